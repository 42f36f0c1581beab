#include "evidence/dcap/pck_certificate.h"

#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include <map>
#include <memory>
#include <string>

#include "base/reasons.h"

namespace attest::dcap {
namespace {

constexpr char kSgxExtensionOid[] = "1.2.840.113741.1.13.1";

struct SeqDeleter {
  void operator()(ASN1_SEQUENCE_ANY* s) const { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
};
using SeqPtr = std::unique_ptr<ASN1_SEQUENCE_ANY, SeqDeleter>;

Status Invalid(std::string message) {
  return Status::InvalidEvidence(reason::kInvalidPckCert,
                                 "PCK certificate SGX extension: " + message);
}

StatusOr<SeqPtr> ParseSequence(ByteSpan der, std::string_view what) {
  const unsigned char* p = der.data();
  SeqPtr seq(d2i_ASN1_SEQUENCE_ANY(nullptr, &p, static_cast<long>(der.size())));
  if (!seq || p != der.data() + der.size()) {
    return Err(Invalid(std::string(what) + " is not a DER SEQUENCE"));
  }
  return seq;
}

ByteSpan StringBytes(const ASN1_STRING* s) {
  return {ASN1_STRING_get0_data(s), static_cast<size_t>(ASN1_STRING_length(s))};
}

// Reads SEQUENCE OF SEQUENCE { OID, value } into oid -> value; duplicates are invalid.
StatusOr<std::map<std::string, const ASN1_TYPE*>> ReadEntries(ASN1_SEQUENCE_ANY* outer,
                                                              std::string_view what,
                                                              std::vector<SeqPtr>& keep) {
  std::map<std::string, const ASN1_TYPE*> out;
  for (int i = 0; i < sk_ASN1_TYPE_num(outer); ++i) {
    const ASN1_TYPE* item = sk_ASN1_TYPE_value(outer, i);
    if (item->type != V_ASN1_SEQUENCE) return Err(Invalid(std::string(what) + ": entry not a SEQUENCE"));
    ATTEST_ASSIGN_OR_RETURN(SeqPtr pair,
                            ParseSequence(StringBytes(item->value.sequence), what));
    if (sk_ASN1_TYPE_num(pair.get()) != 2) {
      return Err(Invalid(std::string(what) + ": entry is not an (OID, value) pair"));
    }
    const ASN1_TYPE* oid = sk_ASN1_TYPE_value(pair.get(), 0);
    if (oid->type != V_ASN1_OBJECT) return Err(Invalid(std::string(what) + ": entry without OID"));
    char buf[128];
    int n = OBJ_obj2txt(buf, sizeof buf, oid->value.object, 1);
    if (n <= 0 || n >= static_cast<int>(sizeof buf)) return Err(Invalid("unreadable OID"));
    std::string key(buf, static_cast<size_t>(n));
    if (!out.emplace(key, sk_ASN1_TYPE_value(pair.get(), 1)).second) {
      return Err(Invalid("duplicated entry " + key));
    }
    keep.push_back(std::move(pair));
  }
  return out;
}

StatusOr<ByteSpan> OctetString(const std::map<std::string, const ASN1_TYPE*>& m,
                               const std::string& oid, size_t size, std::string_view name) {
  auto it = m.find(oid);
  if (it == m.end()) return Err(Invalid(std::string(name) + " is missing"));
  if (it->second->type != V_ASN1_OCTET_STRING) {
    return Err(Invalid(std::string(name) + " is not an OCTET STRING"));
  }
  ByteSpan b = StringBytes(it->second->value.octet_string);
  if (b.size() != size) {
    return Err(Invalid(std::string(name) + " must be " + std::to_string(size) + " bytes"));
  }
  return b;
}

StatusOr<int64_t> Integer(const std::map<std::string, const ASN1_TYPE*>& m, const std::string& oid,
                          int64_t max, std::string_view name, int asn1_type = V_ASN1_INTEGER) {
  auto it = m.find(oid);
  if (it == m.end()) return Err(Invalid(std::string(name) + " is missing"));
  if (it->second->type != asn1_type) return Err(Invalid(std::string(name) + " has the wrong type"));
  // INTEGER and ENUMERATED share ASN1_STRING storage; 255 arrives as 02 02 00 FF.
  int64_t v = 0;
  const ASN1_STRING* s = it->second->value.asn1_string;
  if (asn1_type == V_ASN1_INTEGER) {
    if (ASN1_INTEGER_get_int64(&v, s) != 1) return Err(Invalid(std::string(name) + " unreadable"));
  } else {
    if (ASN1_ENUMERATED_get_int64(&v, s) != 1) return Err(Invalid(std::string(name) + " unreadable"));
  }
  if (v < 0 || v > max) return Err(Invalid(std::string(name) + " is out of range"));
  return v;
}

StatusOr<bool> Boolean(const std::map<std::string, const ASN1_TYPE*>& m, const std::string& oid,
                       std::string_view name) {
  auto it = m.find(oid);
  if (it == m.end()) return Err(Invalid(std::string(name) + " is missing"));
  if (it->second->type != V_ASN1_BOOLEAN) return Err(Invalid(std::string(name) + " is not a BOOLEAN"));
  return it->second->value.boolean != 0;
}

}  // namespace

StatusOr<PckInfo> ParsePckExtension(const crypto::Certificate& pck) {
  std::optional<ByteSpan> ext = pck.ExtensionValue(kSgxExtensionOid);
  if (!ext) return Err(Invalid("extension 1.2.840.113741.1.13.1 is missing"));
  std::vector<SeqPtr> keep;
  ATTEST_ASSIGN_OR_RETURN(SeqPtr top, ParseSequence(*ext, "extension"));
  ATTEST_ASSIGN_OR_RETURN(auto entries, ReadEntries(top.get(), "extension", keep));
  const std::string base = kSgxExtensionOid;

  // [QVL 4.1.2.4.3]: 5 entries (Processor CA) or 7 (Platform CA).
  if (entries.size() != 5 && entries.size() != 7) {
    return Err(Invalid("has " + std::to_string(entries.size()) + " entries; expected 5 or 7"));
  }
  PckInfo info;
  ATTEST_ASSIGN_OR_RETURN(ByteSpan ppid, OctetString(entries, base + ".1", 16, "PPID"));
  info.ppid = ToBytes(ppid);
  ATTEST_ASSIGN_OR_RETURN(ByteSpan pceid, OctetString(entries, base + ".3", 2, "PCE-ID"));
  info.pceid = ToBytes(pceid);
  ATTEST_ASSIGN_OR_RETURN(ByteSpan fmspc, OctetString(entries, base + ".4", 6, "FMSPC"));
  info.fmspc = ToBytes(fmspc);
  ATTEST_ASSIGN_OR_RETURN(int64_t sgx_type,
                          Integer(entries, base + ".5", 2, "SGX Type", V_ASN1_ENUMERATED));
  info.sgx_type = static_cast<int>(sgx_type);

  // TCB: 16 component SVNs, PCESVN, CPUSVN.
  auto tcb_it = entries.find(base + ".2");
  if (tcb_it == entries.end() || tcb_it->second->type != V_ASN1_SEQUENCE) {
    return Err(Invalid("TCB is missing or not a SEQUENCE"));
  }
  ATTEST_ASSIGN_OR_RETURN(SeqPtr tcb_seq,
                          ParseSequence(StringBytes(tcb_it->second->value.sequence), "TCB"));
  ATTEST_ASSIGN_OR_RETURN(auto tcb, ReadEntries(tcb_seq.get(), "TCB", keep));
  if (tcb.size() != 18) {
    return Err(Invalid("TCB has " + std::to_string(tcb.size()) + " entries; expected 18"));
  }
  for (int i = 0; i < 16; ++i) {
    ATTEST_ASSIGN_OR_RETURN(int64_t svn, Integer(tcb, base + ".2." + std::to_string(i + 1), 255,
                                                 "TCB component " + std::to_string(i + 1)));
    info.tcb_comp_svn[static_cast<size_t>(i)] = static_cast<uint8_t>(svn);
  }
  ATTEST_ASSIGN_OR_RETURN(int64_t pcesvn, Integer(tcb, base + ".2.17", 65535, "PCESVN"));
  info.pcesvn = static_cast<uint16_t>(pcesvn);
  ATTEST_ASSIGN_OR_RETURN(ByteSpan cpusvn, OctetString(tcb, base + ".2.18", 16, "CPUSVN"));
  info.cpusvn = ToBytes(cpusvn);

  if (entries.size() == 7) {
    ATTEST_ASSIGN_OR_RETURN(ByteSpan pii,
                            OctetString(entries, base + ".6", 16, "Platform Instance ID"));
    info.platform_instance_id = ToBytes(pii);
    auto conf_it = entries.find(base + ".7");
    if (conf_it == entries.end() || conf_it->second->type != V_ASN1_SEQUENCE) {
      return Err(Invalid("Configuration is missing or not a SEQUENCE"));
    }
    ATTEST_ASSIGN_OR_RETURN(
        SeqPtr conf_seq, ParseSequence(StringBytes(conf_it->second->value.sequence), "Configuration"));
    ATTEST_ASSIGN_OR_RETURN(auto conf, ReadEntries(conf_seq.get(), "Configuration", keep));
    PckConfiguration c;
    ATTEST_ASSIGN_OR_RETURN(c.dynamic_platform, Boolean(conf, base + ".7.1", "dynamicPlatform"));
    ATTEST_ASSIGN_OR_RETURN(c.cached_keys, Boolean(conf, base + ".7.2", "cachedKeys"));
    ATTEST_ASSIGN_OR_RETURN(c.smt_enabled, Boolean(conf, base + ".7.3", "SMTEnabled"));
    info.configuration = c;
  }
  return info;
}

}  // namespace attest::dcap
