#include "evidence/dcap/verified_collateral.h"

#include <openssl/x509.h>

#include "base/encoding.h"
#include "base/reasons.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "evidence/dcap/signed_json.h"

namespace attest::dcap {
namespace {

std::string HashHex(ByteSpan b) { return HexEncode(crypto::Sha256(b)); }

Status Collateral(std::string reason, std::string message) {
  return Status::InvalidCollateral(std::move(reason), std::move(message));
}

Status Expired(std::string reason, std::string message) {
  return Collateral(std::move(reason), std::move(message)).WithCategory("COLLATERAL_EXPIRED");
}
Status NotYetValid(std::string reason, std::string message) {
  return Collateral(std::move(reason), std::move(message)).WithCategory("COLLATERAL_NOT_YET_VALID");
}

crypto::EvpPkeyPtr KeyFromSpki(ByteSpan spki) {
  const unsigned char* p = spki.data();
  return crypto::EvpPkeyPtr(d2i_PUBKEY(nullptr, &p, static_cast<long>(spki.size())));
}

// CRL format, signature and validity steps (B4/B5 shared rules).
void AddCrlSteps(const crypto::Crl& crl, EVP_PKEY* issuer_key, std::string_view name,
                 std::vector<CheckStep>& steps) {
  if (!crl.HasCrlNumber() || !crl.HasAuthorityKeyId()) {
    steps.push_back(CheckStep::Fail(Collateral(
        reason::kCrlUnsupportedFormat,
        std::string(name) + " lacks the CRL Number or Authority Key Identifier extension")));
    return;
  }
  if (!crl.VerifySignedBy(issuer_key)) {
    steps.push_back(CheckStep::Fail(
        Collateral(reason::kCrlInvalidSignature, std::string(name) + " signature is invalid")));
    return;
  }
  steps.push_back(
      CheckStep::Window(crl.this_update(), crl.next_update(),
                        NotYetValid(reason::kCrlNotYetValid, std::string(name) + ": thisUpdate " +
                                                                 FormatRfc3339(crl.this_update()) +
                                                                 " is after the verification time"),
                        Expired(reason::kCrlExpired, std::string(name) + ": nextUpdate " +
                                                         FormatRfc3339(crl.next_update()) +
                                                         " is before the verification time")));
}

// B7/B8: the TCB Signing chain (2 certificates, any order), its revocation by the Root CA
// CRL, validity, then the signature over the signed JSON body.
// Returns false (after recording a failing step) when a later step cannot be built.
bool AddSigningChainSteps(ByteSpan chain_pem, ByteSpan root_spki,
                          const std::optional<crypto::Crl>& root_crl, const SignedJson& doc,
                          std::string_view what, std::string_view sig_reason,
                          std::vector<CheckStep>& steps) {
  auto chain_error = [&](std::string m) {
    steps.push_back(CheckStep::Fail(
        Collateral(reason::kInvalidCertChain, std::string(what) + " issuer chain: " + m)));
    return false;
  };
  auto certs = crypto::Certificate::ParsePemChain(AsChars(chain_pem), 8);
  if (!certs) return chain_error(certs.error().message());
  if (certs->size() != 2) {
    return chain_error("expected 2 certificates, found " + std::to_string(certs->size()));
  }
  const crypto::Certificate* root = nullptr;
  const crypto::Certificate* signer = nullptr;
  for (const auto& c : *certs) {
    if (c.IsSelfIssued()) {
      root = &c;
    } else {
      signer = &c;
    }
  }
  if (!root || !signer) return chain_error("needs one root and one signing certificate");
  if (root->SubjectCommonName().find("SGX Root CA") == std::string::npos ||
      signer->SubjectCommonName().find("SGX TCB Signing") == std::string::npos) {
    return chain_error("certificates are not the Intel SGX Root CA and TCB Signing certificates");
  }
  if (!ConstantTimeEquals(root->SpkiDer(), root_spki)) {
    steps.push_back(CheckStep::Fail(
        Collateral(reason::kUntrustedRootCa,
                   std::string(what) + " issuer chain does not end at the pinned key")));
    return false;
  }
  if (!root->VerifySignedBy(root->public_key()) || !signer->IssuedBy(*root) ||
      !signer->VerifySignedBy(root->public_key())) {
    return chain_error("TCB Signing certificate is not signed by the root");
  }
  if (root_crl && root_crl->IsRevoked(*signer)) {
    steps.push_back(CheckStep::Fail(Collateral(
        reason::kCaRevoked, "the TCB Signing certificate is revoked by the Root CA CRL")));
    return false;
  }
  for (const crypto::Certificate* c : {root, signer}) {
    std::string cn = c->SubjectCommonName();
    steps.push_back(CheckStep::Window(
        c->not_before(), c->not_after(),
        NotYetValid(reason::kCertNotYetValid, cn + " certificate (" + std::string(what) +
                                                  " chain) is not valid before " +
                                                  FormatRfc3339(c->not_before())),
        Expired(reason::kCertExpired, cn + " certificate (" + std::string(what) +
                                          " chain) expired at " + FormatRfc3339(c->not_after()))));
  }
  if (!crypto::VerifyEcdsaP256Sha256Raw(signer->public_key(), AsBytes(doc.body), doc.signature)) {
    steps.push_back(CheckStep::Fail(Collateral(
        std::string(sig_reason), std::string(what) + " signature does not verify with the TCB "
                                                     "Signing key")));
    return false;
  }
  return true;
}

// B5: the optional PCK CRL issuer chain (PCK CA + root, any order) ends at the pinned key and
// every certificate in it is signed by that root and valid at T.
void AddPckCrlChainSteps(ByteSpan chain_pem, ByteSpan root_spki, std::vector<CheckStep>& steps) {
  auto fail = [&](std::string reason, std::string m) {
    steps.push_back(CheckStep::Fail(Collateral(std::move(reason), "PCK CRL issuer chain: " + m)));
  };
  auto certs = crypto::Certificate::ParsePemChain(AsChars(chain_pem), 4);
  if (!certs) return fail(reason::kInvalidCertChain, certs.error().message());
  const crypto::Certificate* root = nullptr;
  for (const auto& c : *certs) {
    if (c.IsSelfIssued()) root = &c;
  }
  if (!root) return fail(reason::kInvalidCertChain, "no root certificate");
  if (!ConstantTimeEquals(root->SpkiDer(), root_spki)) {
    return fail(reason::kUntrustedRootCa, "ends at a root whose key is not the pinned key");
  }
  for (const auto& c : *certs) {
    if (!c.IssuedBy(*root) || !c.VerifySignedBy(root->public_key())) {
      return fail(reason::kInvalidCertChain,
                  "'" + c.SubjectCommonName() + "' is not signed by the root");
    }
  }
  for (const auto& c : *certs) {
    std::string cn = c.SubjectCommonName();
    steps.push_back(CheckStep::Window(
        c.not_before(), c.not_after(),
        NotYetValid(reason::kCertNotYetValid,
                    cn + " certificate (PCK CRL chain) is not valid before " +
                        FormatRfc3339(c.not_before())),
        Expired(reason::kCertExpired,
                cn + " certificate (PCK CRL chain) expired at " + FormatRfc3339(c.not_after()))));
  }
}

// Stores a parsed TCB info / enclave identity and its issueDate..nextUpdate window, or the
// parse failure, as the document's last step, failing outside the window with the document's
// own reasons (e.g. TCB_INFO_NOT_YET_VALID / TCB_INFO_EXPIRED).
struct WindowReasons {
  const char* not_yet_valid;
  const char* expired;
};
template <typename Document>
void AddParsedDocument(StatusOr<Document> parsed, std::string_view what, WindowReasons reasons,
                       Document& out, std::vector<CheckStep>& steps) {
  if (!parsed) {
    steps.push_back(CheckStep::Fail(parsed.error()));
    return;
  }
  out = std::move(*parsed);
  steps.push_back(CheckStep::Window(
      out.issue_date, out.next_update,
      NotYetValid(reasons.not_yet_valid, std::string(what) + " issueDate " +
                                             FormatRfc3339(out.issue_date) +
                                             " is after the verification time"),
      Expired(reasons.expired, std::string(what) + " nextUpdate " + FormatRfc3339(out.next_update) +
                                   " is before the verification time")));
}

}  // namespace

std::shared_ptr<const VerifiedCollateral> VerifiedCollateral::Build(
    std::shared_ptr<const collateral::DcapCollateral> source, ByteSpan root_spki) {
  std::shared_ptr<VerifiedCollateral> v(new VerifiedCollateral());
  const collateral::DcapCollateral& c = *source;
  v->source_ = source;
  v->hashes_.tcbinfohash = HashHex(c.tcb_info);
  v->hashes_.tcbinfocertshash = HashHex(c.tcb_info_issuer_chain);
  v->hashes_.tcbinfocrlhash = c.pck_crl ? HashHex(*c.pck_crl) : "";
  v->hashes_.qeidhash = HashHex(c.qe_identity);
  v->hashes_.qeidcertshash = HashHex(c.qe_identity_issuer_chain);
  v->hashes_.qeidcrlhash = HashHex(c.root_ca_crl);

  // A6 [QVL 4.1.2.4.5, 4.1.2.4.8, 4.1.2.9.3]: every item parses.
  auto tcb_doc =
      ExtractSignedJson(AsChars(c.tcb_info), "tcbInfo", reason::kTcbInfoUnsupportedFormat);
  if (!tcb_doc) {
    v->format_error_ = tcb_doc.error();
    return v;
  }
  auto qe_doc = ExtractSignedJson(AsChars(c.qe_identity), "enclaveIdentity",
                                  reason::kQeIdentityUnsupportedFormat);
  if (!qe_doc) {
    v->format_error_ = qe_doc.error();
    return v;
  }
  auto root_crl = crypto::Crl::Parse(c.root_ca_crl);
  if (!root_crl) {
    v->format_error_ = root_crl.error().WithContext("Root CA CRL");
    return v;
  }
  v->root_crl_ = std::move(*root_crl);
  if (c.pck_crl) {
    auto pck_crl = crypto::Crl::Parse(*c.pck_crl);
    if (!pck_crl) {
      v->format_error_ = pck_crl.error().WithContext("PCK CRL");
      return v;
    }
    v->pck_crl_ = std::move(*pck_crl);
  }

  if (c.pck_crl_issuer_chain) {
    AddPckCrlChainSteps(*c.pck_crl_issuer_chain, root_spki, v->pck_crl_chain_steps_);
  }

  // B4: Root CA CRL signed by the pinned key and valid at T.
  crypto::EvpPkeyPtr root_key = KeyFromSpki(root_spki);
  AddCrlSteps(*v->root_crl_, root_key.get(), "Root CA CRL", v->root_crl_steps_);

  // B7: TCB info; B8: QE identity. Each document is parsed from the verified bytes (§4.3).
  if (AddSigningChainSteps(c.tcb_info_issuer_chain, root_spki, v->root_crl_, *tcb_doc, "TCB info",
                           reason::kTcbInfoInvalidSignature, v->tcb_info_steps_)) {
    AddParsedDocument(ParseTcbInfo(tcb_doc->body), "TCB info",
                      {reason::kTcbInfoNotYetValid, reason::kTcbInfoExpired}, v->tcb_info_,
                      v->tcb_info_steps_);
  }
  if (AddSigningChainSteps(c.qe_identity_issuer_chain, root_spki, v->root_crl_, *qe_doc,
                           "QE identity", reason::kQeIdentityInvalidSignature,
                           v->qe_identity_steps_)) {
    AddParsedDocument(ParseEnclaveIdentity(qe_doc->body), "QE identity",
                      {reason::kQeIdentityNotYetValid, reason::kQeIdentityExpired}, v->qe_identity_,
                      v->qe_identity_steps_);
  }
  return v;
}

bool VerifiedCollateral::PckCrlSignedBy(const crypto::Certificate& ca) const {
  if (!pck_crl_) return false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Bytes& der : pck_crl_signers_) {
      if (der == ca.der()) return true;
    }
  }
  if (!pck_crl_->VerifySignedBy(ca.public_key())) return false;
  std::lock_guard<std::mutex> lock(mu_);
  if (pck_crl_signers_.size() < 16) pck_crl_signers_.push_back(ca.der());
  return true;
}

}  // namespace attest::dcap
