#include "collateral/kds_source.h"

#include <algorithm>
#include <cctype>

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <cstdio>
#include <vector>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/x509.h"

namespace attest::collateral {

int64_t DefaultKdsMinIntervalMs(std::string_view base_url) {
  if (base_url.empty()) return kKdsDefaultMinIntervalMs;
  std::string_view rest = base_url;
  if (auto scheme = rest.find("://"); scheme != std::string_view::npos) rest.remove_prefix(scheme + 3);
  std::string host(rest.substr(0, rest.find_first_of("/?#")));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (host.ends_with(":443")) host.resize(host.size() - 4);
  return host == "kdsintf.amd.com" ? kKdsDefaultMinIntervalMs : 0;
}
namespace {

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t p = s.find(sep);
    out.push_back(s.substr(0, p));
    if (p == std::string_view::npos) {
      return out;
    }
    s.remove_prefix(p + 1);
  }
}

std::string KeyName(AmdSigningKey k) { return k == AmdSigningKey::kVlek ? "vlek" : "vcek"; }

Status Rejected(std::string_view what, std::string_view why) {
  return Status::Unavailable(
      "COLLATERAL_REJECTED",
      std::string(what) + " from the collateral source was rejected: " + std::string(why));
}

Status BadKey(std::string_view key) {
  return Status::InvalidArgument("INVALID_COLLATERAL_KEY",
                                 "not an AMD collateral item: " + std::string(key));
}

struct KdsKey {
  ItemKind kind = ItemKind::kAmdEkCertificate;
  AmdSigningKey key = AmdSigningKey::kVcek;
  std::string product;
  Bytes hwid;
  uint64_t tcb = 0;
};

StatusOr<KdsKey> ParseKey(std::string_view key) {
  std::vector<std::string_view> p = Split(key, '/');
  if (p.size() < 4 || p[0] != "amd") {
    return Err(BadKey(key));
  }
  KdsKey k;
  auto product = KdsProductLine(p.size() == 5 ? p[2] : p[3]);
  if (!product || *product != (p.size() == 5 ? p[2] : p[3])) {
    return Err(BadKey(key));
  }
  k.product = *product;
  if (p.size() == 5 && p[1] == "vcek") {
    auto hwid = HexDecode(p[3]);
    const size_t want = k.product == "Turin" ? 8 : 64;
    if (!hwid || hwid->size() != want || p[4].size() != 16) {
      return Err(BadKey(key));
    }
    auto tcb = HexDecode(p[4]);
    if (!tcb) {
      return Err(BadKey(key));
    }
    for (uint8_t b : *tcb) {
      k.tcb = (k.tcb << 8) | b;
    }
    k.hwid = std::move(*hwid);
    k.kind = ItemKind::kAmdEkCertificate;
    return k;
  }
  if (p.size() == 4 && (p[1] == "cert_chain" || p[1] == "crl") &&
      (p[2] == "vcek" || p[2] == "vlek")) {
    k.kind = p[1] == "crl" ? ItemKind::kAmdCrl : ItemKind::kAmdCaChain;
    k.key = p[2] == "vlek" ? AmdSigningKey::kVlek : AmdSigningKey::kVcek;
    return k;
  }
  return Err(BadKey(key));
}

uint8_t TcbByte(uint64_t tcb, int i) { return static_cast<uint8_t>(tcb >> (8 * i)); }

// The reported-TCB components KDS takes, in its query order (amd-sev-snp.md §4, §8), with the
// VCEK extension OID (1.3.6.1.4.1.3704.1.3.x) each is certified in.
struct Spl {
  const char* name;
  const char* oid;
  uint8_t value;
};
std::vector<Spl> Spls(const std::string& product, uint64_t tcb) {
  if (product == "Turin") {
    return {{"blSPL", "1.3.6.1.4.1.3704.1.3.1", TcbByte(tcb, 1)},
            {"teeSPL", "1.3.6.1.4.1.3704.1.3.2", TcbByte(tcb, 2)},
            {"snpSPL", "1.3.6.1.4.1.3704.1.3.3", TcbByte(tcb, 3)},
            {"ucodeSPL", "1.3.6.1.4.1.3704.1.3.8", TcbByte(tcb, 7)},
            {"fmcSPL", "1.3.6.1.4.1.3704.1.3.9", TcbByte(tcb, 0)}};
  }
  return {{"blSPL", "1.3.6.1.4.1.3704.1.3.1", TcbByte(tcb, 0)},
          {"teeSPL", "1.3.6.1.4.1.3704.1.3.2", TcbByte(tcb, 1)},
          {"snpSPL", "1.3.6.1.4.1.3704.1.3.3", TcbByte(tcb, 6)},
          {"ucodeSPL", "1.3.6.1.4.1.3704.1.3.8", TcbByte(tcb, 7)}};
}

// amd-sev-snp.md §6.3: the ARK must be one the operator trusts for the product line, by the
// SHA-256 of its DER or of its key (as the SNP verifier judges ARKs).
bool IsPinnedArk(const crypto::Certificate& ark, const std::string& product,
                 const std::vector<evidence::AmdArkPin>& pins) {
  const crypto::Sha256Digest der = crypto::Sha256(ark.der());
  const crypto::Sha256Digest spki = crypto::Sha256(ark.SpkiDer());
  const Bytes der_hash(der.begin(), der.end());
  const Bytes spki_hash(spki.begin(), spki.end());
  for (const evidence::AmdArkPin& pin : pins) {
    if (pin.product == product && ((!pin.der_sha256.empty() && pin.der_sha256 == der_hash) ||
                                   (!pin.spki_sha256.empty() && pin.spki_sha256 == spki_hash))) {
      return true;
    }
  }
  return false;
}

// A DER INTEGER extension value (amd-sev-snp.md §6.4: never read byte[2]).
std::optional<long> DerInteger(ByteSpan der) {
  const unsigned char* p = der.data();
  ASN1_INTEGER* v = d2i_ASN1_INTEGER(nullptr, &p, static_cast<long>(der.size()));
  if (v == nullptr) {
    return std::nullopt;
  }
  long out = ASN1_INTEGER_get(v);
  ASN1_INTEGER_free(v);
  return out;
}

}  // namespace

StatusOr<std::string> KdsProductLine(std::string_view product) {
  std::string_view line = product.substr(0, product.find('-'));
  if (line == "Milan" || line == "Genoa" || line == "Turin") {
    return std::string(line);
  }
  // Zen4c (Siena, Bergamo) and Genoa-X are served under Genoa's product line.
  if (line == "Siena" || line == "Bergamo") {
    return std::string("Genoa");
  }
  return Err(Status::NotFound("COLLATERAL_MISSING",
                              "AMD KDS serves no product line for '" + std::string(product) + "'"));
}

StatusOr<std::string> KdsProductLineForCpu(uint8_t family, uint8_t model) {
  if (family == 0x19 && model <= 0x0F) {
    return std::string("Milan");
  }
  if (family == 0x19 && ((model >= 0x10 && model <= 0x1F) || (model >= 0xA0 && model <= 0xAF))) {
    return std::string("Genoa");  // Genoa, Bergamo and Siena (Zen4c)
  }
  if (family == 0x1A && model <= 0x11) {
    return std::string("Turin");
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, "family 0x%02X model 0x%02X", family, model);
  return Err(Status::NotFound("COLLATERAL_MISSING",
                              std::string("AMD KDS serves no product line for CPU ") + buf));
}

KdsSource::KdsSource(VendorClient& client, Options options)
    : client_(client), options_(std::move(options)) {
  while (options_.base_url.ends_with('/')) {
    options_.base_url.pop_back();
  }
}

StatusOr<std::string> KdsSource::EkCertificateKey(const AmdEkCertificateRequest& request) {
  if (request.key == AmdSigningKey::kVlek) {
    return Err(Status::NotFound("COLLATERAL_MISSING",
                                "VLEK certificates are not published by AMD KDS; the evidence "
                                "must carry its VLEK"));
  }
  ATTEST_ASSIGN_OR_RETURN(std::string line, KdsProductLine(request.product));
  const size_t hwid_len = line == "Turin" ? 8 : 64;
  if (request.chip_id.size() < hwid_len) {
    return Err(Status::InvalidArgument("INVALID_COLLATERAL_KEY", "chip id is too short"));
  }
  char tcb[17];
  std::snprintf(tcb, sizeof tcb, "%016llx", static_cast<unsigned long long>(request.reported_tcb));
  return "amd/vcek/" + line + "/" + HexEncode(ByteSpan(request.chip_id.data(), hwid_len)) + "/" +
         tcb;
}

StatusOr<std::string> KdsSource::CaChainKey(AmdSigningKey key, std::string_view product) {
  ATTEST_ASSIGN_OR_RETURN(std::string line, KdsProductLine(product));
  return "amd/cert_chain/" + KeyName(key) + "/" + line;
}

StatusOr<std::string> KdsSource::CrlKey(AmdSigningKey key, std::string_view product) {
  ATTEST_ASSIGN_OR_RETURN(std::string line, KdsProductLine(product));
  return "amd/crl/" + KeyName(key) + "/" + line;
}

std::string KdsSource::Describe(std::string_view key) {
  auto k = ParseKey(key);
  if (!k) {
    return std::string(key);
  }
  switch (k->kind) {
    case ItemKind::kAmdEkCertificate:
      return "VCEK certificate for " + k->product + " chip " + HexEncode(k->hwid).substr(0, 16) +
             "...";
    case ItemKind::kAmdCaChain:
      return std::string(k->key == AmdSigningKey::kVlek ? "ASVK" : "ASK") + " and ARK of " +
             k->product;
    default:
      return std::string(k->key == AmdSigningKey::kVlek ? "VLEK" : "VCEK") + " CRL of " +
             k->product;
  }
}

StatusOr<std::string> KdsSource::UrlFor(std::string_view key) const {
  ATTEST_ASSIGN_OR_RETURN(KdsKey k, ParseKey(key));
  switch (k.kind) {
    case ItemKind::kAmdEkCertificate: {
      std::string url = options_.base_url + "/vcek/v1/" + k.product + "/" + HexEncode(k.hwid);
      char sep = '?';
      for (const Spl& s : Spls(k.product, k.tcb)) {
        url += sep + std::string(s.name) + "=" + std::to_string(s.value);
        sep = '&';
      }
      return url;
    }
    case ItemKind::kAmdCaChain:
      return options_.base_url + "/" + KeyName(k.key) + "/v1/" + k.product + "/cert_chain";
    default:
      return options_.base_url + "/" + KeyName(k.key) + "/v1/" + k.product + "/crl";
  }
}

StatusOr<CollateralItem> KdsSource::Fetch(const std::string& key, const ChainLookup& chains) {
  ATTEST_ASSIGN_OR_RETURN(std::string url, UrlFor(key));
  const std::string what = Describe(key);
  ATTEST_ASSIGN_OR_RETURN(CollateralItem item,
                          client_.FetchItem(key, url, what, [](std::string_view name) {
                            return name == "content-type" || name == "last-modified";
                          }));
  return Check(std::move(item), chains);
}

StatusOr<std::pair<Bytes, Bytes>> KdsSource::ChainDer(const CollateralItem& chain) {
  auto certs = crypto::Certificate::ParsePemChain(AsChars(chain.body), 4);
  if (!certs || certs->size() != 2) {
    return Err(Status::InvalidArgument("INVALID_CERT_CHAIN", "an AMD chain holds 2 certificates"));
  }
  return std::make_pair((*certs)[0].der(), (*certs)[1].der());
}

StatusOr<CollateralItem> KdsSource::Check(CollateralItem item, const ChainLookup& chains) const {
  ATTEST_ASSIGN_OR_RETURN(KdsKey k, ParseKey(item.key));
  const std::string what = Describe(item.key);
  item.kind = k.kind;
  if (k.kind == ItemKind::kAmdCaChain) {
    auto certs = crypto::Certificate::ParsePemChain(AsChars(item.body), 4);
    if (!certs) {
      return Err(Rejected(what, certs.error().message()));
    }
    if (certs->size() != 2) {
      return Err(Rejected(what, "cert_chain must hold 2 certificates"));
    }
    const crypto::Certificate& ca = (*certs)[0];
    const crypto::Certificate& ark = (*certs)[1];
    if (ark.SubjectCommonName() != "ARK-" + k.product) {
      return Err(
          Rejected(what, "the root is '" + ark.SubjectCommonName() + "', not ARK-" + k.product));
    }
    if (!ark.IsSelfIssued() || !ark.VerifySignedBy(ark.public_key())) {
      return Err(Rejected(what, "the ARK is not self-signed"));
    }
    if (!options_.pinned_arks.empty() && !IsPinnedArk(ark, k.product, options_.pinned_arks)) {
      return Err(Rejected(what, "the ARK is not a pinned AMD root of " + k.product));
    }
    if (!ca.IssuedBy(ark) || !ca.VerifySignedBy(ark.public_key())) {
      return Err(Rejected(what, "'" + ca.SubjectCommonName() + "' is not signed by the ARK"));
    }
    item.valid_from = std::max(ca.not_before(), ark.not_before());
    item.valid_until = std::min(ca.not_after(), ark.not_after());
    return item;
  }
  auto chain_key = CaChainKey(k.key, k.product);
  if (!chain_key) {
    return Err(chain_key.error());
  }
  auto chain = chains(*chain_key);
  if (!chain) {
    return Err(chain.error());
  }
  ATTEST_ASSIGN_OR_RETURN(auto ders, ChainDer(**chain));
  ATTEST_ASSIGN_OR_RETURN(crypto::Certificate ca, crypto::Certificate::FromDer(ders.first));
  ATTEST_ASSIGN_OR_RETURN(crypto::Certificate ark, crypto::Certificate::FromDer(ders.second));
  if (k.kind == ItemKind::kAmdCrl) {
    auto crl = crypto::Crl::Parse(item.body);
    if (!crl) {
      return Err(Rejected(what, crl.error().message()));
    }
    if (X509_NAME_cmp(crl->issuer(), ark.subject()) != 0 ||
        !crl->VerifySignedBy(ark.public_key())) {
      return Err(Rejected(what, "the CRL is not signed by the ARK of " + k.product));
    }
    item.valid_from = crl->this_update();
    item.valid_until = crl->next_update();
    return item;
  }
  auto vcek = crypto::Certificate::FromDer(item.body);
  if (!vcek) {
    return Err(Rejected(what, vcek.error().message()));
  }
  if (!vcek->IssuedBy(ca) || !vcek->VerifySignedBy(ca.public_key())) {
    return Err(Rejected(what, "it is not signed by the ASK of " + k.product));
  }
  // The certificate must be the one asked for: this chip (hwID) at this reported TCB.
  auto hwid = vcek->ExtensionValue("1.3.6.1.4.1.3704.1.4");
  bool hwid_ok = false;
  if (hwid) {
    ByteSpan v = *hwid;
    if (v.size() == k.hwid.size() + 2 && v[0] == 0x04 && v[1] == k.hwid.size()) {
      v = v.subspan(2);
    }
    hwid_ok = ConstantTimeEquals(v, k.hwid);
  }
  if (!hwid_ok) {
    return Err(Rejected(what, "its hwID is not the requested chip id"));
  }
  for (const Spl& s : Spls(k.product, k.tcb)) {
    auto ext = vcek->ExtensionValue(s.oid);
    std::optional<long> value = ext ? DerInteger(*ext) : std::nullopt;
    if (!value || *value != s.value) {
      return Err(Rejected(what, std::string("its ") + s.name + " is not the reported TCB's " +
                                    std::to_string(s.value)));
    }
  }
  item.valid_from = vcek->not_before();
  item.valid_until = std::min(vcek->not_after(), ca.not_after());
  return item;
}

}  // namespace attest::collateral
