#include "testing/sgx_extension.h"

#include <charconv>
#include <string>
#include <vector>

#include "testing/testing_ptr.h"

namespace attest::testing {
namespace {

void Append(Bytes& out, ByteSpan b) { out.insert(out.end(), b.begin(), b.end()); }

void AppendBase128(Bytes& out, uint64_t v) {
  uint8_t tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<uint8_t>(v & 0x7f);
    v >>= 7;
  } while (v != 0);
  while (n > 0) {
    --n;
    out.push_back(static_cast<uint8_t>(tmp[n] | (n > 0 ? 0x80 : 0x00)));
  }
}

Bytes Entry(const std::string& oid, Bytes value) { return DerSequence({DerOid(oid), std::move(value)}); }

Bytes Sequence(const std::vector<Bytes>& items) {
  Bytes content;
  for (const Bytes& i : items) Append(content, i);
  return DerTlv(0x30, content);
}

}  // namespace

Bytes DerTlv(uint8_t tag, ByteSpan content) {
  Bytes out{tag};
  size_t len = content.size();
  if (len < 0x80) {
    out.push_back(static_cast<uint8_t>(len));
  } else {
    Bytes len_bytes;
    for (size_t l = len; l != 0; l >>= 8) len_bytes.insert(len_bytes.begin(), static_cast<uint8_t>(l));
    out.push_back(static_cast<uint8_t>(0x80 | len_bytes.size()));
    Append(out, len_bytes);
  }
  Append(out, content);
  return out;
}

Bytes DerOid(std::string_view dotted) {
  std::vector<uint64_t> arcs;
  size_t pos = 0;
  while (pos <= dotted.size()) {
    size_t dot = dotted.find('.', pos);
    if (dot == std::string_view::npos) dot = dotted.size();
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(dotted.data() + pos, dotted.data() + dot, v);
    BuilderCheck(ec == std::errc() && ptr == dotted.data() + dot, "OID arc");
    arcs.push_back(v);
    pos = dot + 1;
  }
  BuilderCheck(arcs.size() >= 2, "OID needs two arcs");
  Bytes content;
  AppendBase128(content, arcs[0] * 40 + arcs[1]);
  for (size_t i = 2; i < arcs.size(); ++i) AppendBase128(content, arcs[i]);
  return DerTlv(0x06, content);
}

Bytes DerInteger(int64_t value, uint8_t tag) {
  // Minimal two's complement, big-endian (255 becomes 00 FF, as Intel encodes it).
  Bytes content;
  for (int shift = 56; shift >= 0; shift -= 8) {
    content.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> shift));
  }
  while (content.size() > 1 && ((content[0] == 0x00 && (content[1] & 0x80) == 0) ||
                                (content[0] == 0xff && (content[1] & 0x80) != 0))) {
    content.erase(content.begin());
  }
  return DerTlv(tag, content);
}

Bytes DerSequence(std::initializer_list<Bytes> items) { return Sequence(std::vector<Bytes>(items)); }

Bytes EncodeSgxExtension(const SgxExtensionFields& f) {
  const std::string base(kSgxExtensionOid);
  std::vector<Bytes> tcb;
  for (size_t i = 0; i < 16; ++i) {
    tcb.push_back(Entry(base + ".2." + std::to_string(i + 1), DerInteger(f.comp_svn[i])));
  }
  tcb.push_back(Entry(base + ".2.17", DerInteger(f.pcesvn)));
  Bytes cpusvn = f.cpusvn.value_or(Bytes(f.comp_svn.begin(), f.comp_svn.end()));
  tcb.push_back(Entry(base + ".2.18", DerTlv(0x04, cpusvn)));

  std::vector<Bytes> top;
  top.push_back(Entry(base + ".1", DerTlv(0x04, f.ppid)));
  top.push_back(Entry(base + ".2", Sequence(tcb)));
  top.push_back(Entry(base + ".3", DerTlv(0x04, f.pceid)));
  top.push_back(Entry(base + ".4", DerTlv(0x04, f.fmspc)));
  top.push_back(Entry(base + ".5", DerInteger(f.sgx_type, 0x0a)));
  if (f.platform_instance_id) {
    top.push_back(Entry(base + ".6", DerTlv(0x04, *f.platform_instance_id)));
  }
  if (f.configuration) {
    auto boolean = [](bool b) { return Bytes{0x01, 0x01, static_cast<uint8_t>(b ? 0xff : 0x00)}; };
    top.push_back(Entry(base + ".7",
                        Sequence({Entry(base + ".7.1", boolean(f.configuration->dynamic_platform)),
                                  Entry(base + ".7.2", boolean(f.configuration->cached_keys)),
                                  Entry(base + ".7.3", boolean(f.configuration->smt_enabled))})));
  }
  return Sequence(top);
}

}  // namespace attest::testing
