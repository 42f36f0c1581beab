#include "collateral/pcs_source.h"

#include <openssl/x509.h>

#include <vector>

#include "base/encoding.h"
#include "crypto/ecdsa.h"
#include "crypto/openssl_ptr.h"
#include "crypto/x509.h"
#include "evidence/dcap/signed_json.h"
#include "evidence/dcap/tcb_info.h"

namespace attest::collateral {
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

// A parsed item key.
struct PcsKey {
  ItemKind kind = ItemKind::kTcbInfo;
  DcapTee tee = DcapTee::kSgx;
  std::string fmspc;
  TcbUpdate update = TcbUpdate::kStandard;
  PckCa ca = PckCa::kPlatform;
};

StatusOr<PcsKey> ParseKey(std::string_view key) {
  auto bad = [&] {
    return Err(Status::InvalidArgument("INVALID_COLLATERAL_KEY",
                                       "not an Intel collateral item: " + std::string(key)));
  };
  std::vector<std::string_view> p = Split(key, '/');
  if (p.empty() || p[0] != "intel") {
    return bad();
  }
  PcsKey k;
  auto tee = [&](std::string_view t) -> bool {
    if (t == "sgx") {
      k.tee = DcapTee::kSgx;
    } else if (t == "tdx") {
      k.tee = DcapTee::kTdx;
    } else {
      return false;
    }
    return true;
  };
  auto update = [&](std::string_view u) -> bool {
    if (u == "standard") {
      k.update = TcbUpdate::kStandard;
    } else if (u == "early") {
      k.update = TcbUpdate::kEarly;
    } else {
      return false;
    }
    return true;
  };
  if (p.size() == 5 && p[2] == "tcb" && tee(p[1]) && update(p[4])) {
    if (p[3].size() != 12) {
      return bad();
    }
    for (char c : p[3]) {
      if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
        return bad();
      }
    }
    k.kind = ItemKind::kTcbInfo;
    k.fmspc = std::string(p[3]);
    return k;
  }
  if (p.size() == 4 && p[2] == "qe" && tee(p[1]) && update(p[3])) {
    k.kind = ItemKind::kQeIdentity;
    return k;
  }
  if (p.size() == 3 && p[1] == "pckcrl" && (p[2] == "platform" || p[2] == "processor")) {
    k.kind = ItemKind::kPckCrl;
    k.ca = p[2] == "processor" ? PckCa::kProcessor : PckCa::kPlatform;
    return k;
  }
  if (p.size() == 2 && p[1] == "rootcacrl") {
    k.kind = ItemKind::kRootCaCrl;
    return k;
  }
  return bad();
}

std::string TeeUpper(DcapTee tee) { return tee == DcapTee::kTdx ? "TDX" : "SGX"; }

Status Rejected(std::string_view what, std::string_view why) {
  return Status::Unavailable(
      "COLLATERAL_REJECTED",
      std::string(what) + " from the collateral source was rejected: " + std::string(why));
}

// The issuer chain of `item` from `header`: parsed, ending at the pinned root, every other
// certificate issued and signed by it. Returns the non-root certificate.
StatusOr<crypto::Certificate> CheckIssuerChain(CollateralItem& item, std::string_view header,
                                               ByteSpan root_spki, std::string_view what,
                                               std::string_view signer_cn) {
  std::string_view raw = FindHeader(item.headers, header);
  if (raw.empty()) {
    return Err(Rejected(what, "the " + std::string(header) + " header is missing"));
  }
  auto pem = PercentDecode(raw);
  if (!pem) {
    return Err(Rejected(what, pem.error().message()));
  }
  auto certs = crypto::Certificate::ParsePemChain(*pem, 4);
  if (!certs) {
    return Err(Rejected(what, "issuer chain: " + certs.error().message()));
  }
  if (certs->size() != 2) {
    return Err(Rejected(what, "issuer chain must hold 2 certificates"));
  }
  const crypto::Certificate* root = nullptr;
  const crypto::Certificate* signer = nullptr;
  for (const auto& c : *certs) {
    (c.IsSelfIssued() ? root : signer) = &c;
  }
  if (!root || !signer) {
    return Err(Rejected(what, "issuer chain needs a root and a signer"));
  }
  if (!ConstantTimeEquals(root->SpkiDer(), root_spki)) {
    return Err(Rejected(what, "issuer chain does not end at the pinned Intel root key"));
  }
  if (!signer->IssuedBy(*root) || !signer->VerifySignedBy(root->public_key())) {
    return Err(Rejected(what, "issuer certificate is not signed by the Intel root"));
  }
  if (signer->SubjectCommonName().find(signer_cn) == std::string::npos) {
    return Err(Rejected(what, "issuer is '" + signer->SubjectCommonName() + "', expected '" +
                                  std::string(signer_cn) + "'"));
  }
  item.issuer_chain.assign(pem->begin(), pem->end());
  return *signer;
}

}  // namespace

StatusOr<std::string> PercentDecode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) {
      return Err(Status::InvalidArgument("INVALID_ENCODING", "truncated percent escape"));
    }
    const int hi = hex(text[i + 1]);
    const int lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) {
      return Err(Status::InvalidArgument("INVALID_ENCODING", "malformed percent escape"));
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

PcsSource::PcsSource(VendorClient& client, Options options, Bytes root_spki)
    : client_(client), options_(std::move(options)), root_spki_(std::move(root_spki)) {
  while (options_.base_url.ends_with('/')) {
    options_.base_url.pop_back();
  }
  if (options_.root_ca_crl_url.empty()) {
    options_.root_ca_crl_url = options_.base_url == kIntelPcsUrl
                                   ? std::string(kIntelRootCaCrlUrl)
                                   : options_.base_url + "/sgx/certification/v4/rootcacrl";
  }
}

std::string PcsSource::TcbInfoKey(DcapTee tee, std::string_view fmspc, TcbUpdate update) {
  std::string upper(fmspc);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'f') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return "intel/" + std::string(DcapTeeName(tee)) + "/tcb/" + upper + "/" +
         std::string(TcbUpdateName(update));
}
std::string PcsSource::QeIdentityKey(DcapTee tee, TcbUpdate update) {
  return "intel/" + std::string(DcapTeeName(tee)) + "/qe/" + std::string(TcbUpdateName(update));
}
std::string PcsSource::PckCrlKey(PckCa ca) { return "intel/pckcrl/" + std::string(PckCaName(ca)); }
std::string PcsSource::RootCaCrlKey() { return "intel/rootcacrl"; }

std::string PcsSource::Describe(std::string_view key) {
  auto k = ParseKey(key);
  if (!k) {
    return std::string(key);
  }
  const std::string early = k->update == TcbUpdate::kEarly ? " (early update)" : "";
  switch (k->kind) {
    case ItemKind::kTcbInfo:
      return "TCB info for " + TeeUpper(k->tee) + " FMSPC " + k->fmspc + early;
    case ItemKind::kQeIdentity:
      return std::string(k->tee == DcapTee::kTdx ? "TD QE identity" : "QE identity") + early;
    case ItemKind::kPckCrl:
      return "PCK CRL (" + std::string(PckCaName(k->ca)) + " CA)";
    default:
      return "Intel SGX Root CA CRL";
  }
}

StatusOr<std::string> PcsSource::UrlFor(std::string_view key) const {
  ATTEST_ASSIGN_OR_RETURN(PcsKey k, ParseKey(key));
  const std::string tee(DcapTeeName(k.tee));
  const std::string update = "update=" + std::string(TcbUpdateName(k.update));
  switch (k.kind) {
    case ItemKind::kTcbInfo: {
      std::string fmspc = k.fmspc;
      for (char& c : fmspc) {
        if (c >= 'A' && c <= 'F') {
          c = static_cast<char>(c - 'A' + 'a');
        }
      }
      return options_.base_url + "/" + tee + "/certification/v4/tcb?fmspc=" + fmspc + "&" + update;
    }
    case ItemKind::kQeIdentity:
      return options_.base_url + "/" + tee + "/certification/v4/qe/identity?" + update;
    case ItemKind::kPckCrl:
      return options_.base_url + "/sgx/certification/v4/pckcrl?ca=" + std::string(PckCaName(k.ca)) +
             "&encoding=der";
    default:
      return options_.root_ca_crl_url;
  }
}

StatusOr<CollateralItem> PcsSource::Fetch(const std::string& key) {
  ATTEST_ASSIGN_OR_RETURN(std::string url, UrlFor(key));
  const std::string what = Describe(key);
  ATTEST_ASSIGN_OR_RETURN(CollateralItem item,
                          client_.FetchItem(key, url, what, [](std::string_view name) {
                            return name.ends_with("-issuer-chain") || name == "content-type" ||
                                   name == "request-id" || name == "warning" ||
                                   name == "last-modified";
                          }));
  return Check(std::move(item));
}

StatusOr<CollateralItem> PcsSource::Check(CollateralItem item) const {
  ATTEST_ASSIGN_OR_RETURN(PcsKey k, ParseKey(item.key));
  const std::string what = Describe(item.key);
  item.kind = k.kind;
  item.issuer_chain.clear();
  switch (k.kind) {
    case ItemKind::kTcbInfo:
    case ItemKind::kQeIdentity: {
      const bool tcb = k.kind == ItemKind::kTcbInfo;
      auto doc = dcap::ExtractSignedJson(AsChars(item.body), tcb ? "tcbInfo" : "enclaveIdentity",
                                         "UNSUPPORTED_FORMAT");
      if (!doc) {
        return Err(Rejected(what, doc.error().message()));
      }
      std::string_view header = tcb ? "tcb-info-issuer-chain" : "sgx-enclave-identity-issuer-chain";
      if (tcb && FindHeader(item.headers, header).empty()) {
        header = "sgx-tcb-info-issuer-chain";
      }
      ATTEST_ASSIGN_OR_RETURN(crypto::Certificate signer,
                              CheckIssuerChain(item, header, root_spki_, what, "SGX TCB Signing"));
      if (!crypto::VerifyEcdsaP256Sha256Raw(signer.public_key(), AsBytes(doc->body),
                                            doc->signature)) {
        return Err(Rejected(what, "the signature does not verify with the TCB Signing key"));
      }
      if (tcb) {
        auto info = dcap::ParseTcbInfo(doc->body);
        if (!info) {
          return Err(Rejected(what, info.error().message()));
        }
        if (info->id != TeeUpper(k.tee)) {
          return Err(Rejected(what, "it is TCB info of id '" + info->id + "'"));
        }
        std::string fmspc = HexEncodeUpper(info->fmspc);
        if (fmspc != k.fmspc) {
          return Err(Rejected(what, "it is TCB info of FMSPC " + fmspc));
        }
        item.valid_from = info->issue_date;
        item.valid_until = std::min(info->next_update, signer.not_after());
      } else {
        auto id = dcap::ParseEnclaveIdentity(doc->body);
        if (!id) {
          return Err(Rejected(what, id.error().message()));
        }
        const char* want = k.tee == DcapTee::kTdx ? "TD_QE" : "QE";
        if (id->id != want) {
          return Err(Rejected(what, "it is the identity of '" + id->id + "'"));
        }
        item.valid_from = id->issue_date;
        item.valid_until = std::min(id->next_update, signer.not_after());
      }
      return item;
    }
    case ItemKind::kPckCrl: {
      const char* cn = k.ca == PckCa::kProcessor ? "PCK Processor CA" : "PCK Platform CA";
      ATTEST_ASSIGN_OR_RETURN(
          crypto::Certificate ca,
          CheckIssuerChain(item, "sgx-pck-crl-issuer-chain", root_spki_, what, cn));
      auto crl = crypto::Crl::Parse(item.body);
      if (!crl) {
        return Err(Rejected(what, crl.error().message()));
      }
      if (X509_NAME_cmp(crl->issuer(), ca.subject()) != 0 ||
          !crl->VerifySignedBy(ca.public_key())) {
        return Err(Rejected(what, "the CRL is not signed by the " + std::string(cn)));
      }
      item.valid_from = crl->this_update();
      item.valid_until = crl->next_update();
      return item;
    }
    default: {
      auto crl = crypto::Crl::Parse(item.body);
      if (!crl) {
        return Err(Rejected(what, crl.error().message()));
      }
      const unsigned char* p = root_spki_.data();
      crypto::EvpPkeyPtr root(d2i_PUBKEY(nullptr, &p, static_cast<long>(root_spki_.size())));
      if (!root || !crl->VerifySignedBy(root.get())) {
        return Err(Rejected(what, "the CRL is not signed by the pinned Intel root key"));
      }
      item.valid_from = crl->this_update();
      item.valid_until = crl->next_update();
      return item;
    }
  }
}

}  // namespace attest::collateral
