#include "evidence/dcap/quote_verifier.h"

#include <algorithm>

#include "base/encoding.h"
#include "base/reasons.h"
#include "collateral/early_tcb_watch.h"
#include "crypto/digest.h"
#include "crypto/ecdsa.h"
#include "evidence/dcap/tcb_evaluation.h"

namespace attest::dcap {
namespace {

Status CrlStatus(std::string reason, std::string message) {
  return Status::InvalidCollateral(std::move(reason), std::move(message));
}

// B5 [QVL 4.1.2.4.6-4.1.2.4.7]: the PCK CRL against the quote's own PCK CA and leaf.
Status CheckPckCrl(const VerifiedCollateral& coll, const PckChain& chain, UnixTime t) {
  const crypto::Crl& crl = *coll.pck_crl();
  if (crl.IssuerCommonName().find("CA") == std::string::npos ||
      X509_NAME_cmp(crl.issuer(), chain.leaf->issuer()) != 0) {
    return CrlStatus(reason::kCrlIssuerMismatch, "the PCK CRL was issued by '" +
                                                     crl.IssuerCommonName() +
                                                     "', not by the PCK certificate's issuer '" +
                                                     chain.leaf->IssuerCommonName() + "'");
  }
  if (!crl.HasCrlNumber() || !crl.HasAuthorityKeyId()) {
    return CrlStatus(reason::kCrlUnsupportedFormat,
                     "PCK CRL lacks the CRL Number or Authority Key Identifier extension");
  }
  if (!coll.PckCrlSignedBy(*chain.intermediate)) {
    return CrlStatus(reason::kCrlInvalidSignature,
                     "PCK CRL signature does not verify with the PCK CA");
  }
  if (t < crl.this_update()) {
    return CrlStatus(reason::kCrlNotYetValid, "PCK CRL: thisUpdate " +
                                                  FormatRfc3339(crl.this_update()) +
                                                  " is after the verification time")
        .WithCategory("COLLATERAL_NOT_YET_VALID");
  }
  if (t > crl.next_update()) {
    return CrlStatus(reason::kCrlExpired, "PCK CRL: nextUpdate " +
                                              FormatRfc3339(crl.next_update()) +
                                              " is before the verification time")
        .WithCategory("COLLATERAL_EXPIRED");
  }
  if (crl.IsRevoked(*chain.leaf)) {
    return Status::InvalidEvidence(
        reason::kPckRevoked,
        "the PCK certificate (serial " + chain.leaf->SerialHex() + ") is revoked");
  }
  return Status::Ok();
}

bool MaskedEquals(ByteSpan value, const Bytes& mask, const Bytes& expected) {
  if (value.size() != mask.size() || value.size() != expected.size()) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    if ((value[i] & mask[i]) != expected[i]) return false;
  }
  return true;
}

Status QeMismatch(std::string message) {
  return Status::InvalidEvidence(reason::kQeIdentityMismatch, std::move(message));
}

}  // namespace

void QuoteVerifier::ClearCaches() const {
  std::lock_guard<std::mutex> lock(mu_);
  chains_.clear();
  collateral_.clear();
  content_keys_.clear();
  attestation_keys_.clear();
  qe_report_signatures_.Clear();
}

QuoteVerifier::CacheSizes QuoteVerifier::Sizes() const {
  CacheSizes out;
  out.qe_report_signatures = qe_report_signatures_.size();
  std::lock_guard<std::mutex> lock(mu_);
  out.pck_chains = chains_.size();
  out.collateral_sets = collateral_.size();
  return out;
}

StatusOr<std::shared_ptr<EVP_PKEY>> QuoteVerifier::GetAttestationKey(ByteSpan raw_xy) const {
  std::string key(AsChars(raw_xy));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = attestation_keys_.find(key);
    if (it != attestation_keys_.end()) return it->second;
  }
  // Not on the curve -> UNSUPPORTED_QUOTE_FORMAT, as QVL reports it.
  ATTEST_ASSIGN_OR_RETURN(crypto::EvpPkeyPtr decoded,
                          crypto::EcP256KeyFromRaw(raw_xy, reason::kUnsupportedQuoteFormat));
  std::shared_ptr<EVP_PKEY> shared(decoded.release(), EVP_PKEY_free);
  std::lock_guard<std::mutex> lock(mu_);
  if (attestation_keys_.size() >= kMaxCacheEntries) attestation_keys_.clear();
  attestation_keys_.emplace(std::move(key), shared);
  return shared;
}

std::shared_ptr<const PckChain> QuoteVerifier::GetPckChain(ByteSpan cert_data,
                                                           ByteSpan root_spki) const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = chains_.find(AsChars(cert_data));
    if (it != chains_.end() && it->second.root_spki == AsChars(root_spki)) {
      return it->second.chain;
    }
  }
  std::shared_ptr<const PckChain> chain = BuildPckChain(cert_data, root_spki);
  if (chain->parse_error.ok() && chain->trust_error.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    if (chains_.size() >= kMaxCacheEntries) chains_.clear();
    chains_.insert_or_assign(std::string(AsChars(cert_data)),
                             ChainEntry{std::string(AsChars(root_spki)), chain});
  }
  return chain;
}

std::string QuoteVerifier::ContentKeyOf(
    const std::shared_ptr<const collateral::DcapCollateral>& source) const {
  const void* addr = source.get();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = content_keys_.find(addr);
    // A live owner at this address is this very object (immutable); an expired one means the
    // address was reused, so the remembered key does not apply.
    if (it != content_keys_.end() && it->second.owner.lock().get() == addr) {
      return it->second.key;
    }
  }
  std::string key = collateral::DcapContentKey(*source);
  std::lock_guard<std::mutex> lock(mu_);
  if (content_keys_.size() >= kMaxContentKeyEntries) content_keys_.clear();
  content_keys_[addr] = ContentKeyEntry{source, key};
  return key;
}

std::shared_ptr<const VerifiedCollateral> QuoteVerifier::GetCollateral(
    const std::shared_ptr<const collateral::DcapCollateral>& source, ByteSpan root_spki) const {
  // Keyed by content: a source that returns a fresh object with the same collateral reuses the
  // checked set instead of re-verifying it and filling the cache.
  std::string key = ContentKeyOf(source);
  key.append(AsChars(root_spki));
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = collateral_.find(key);
    if (it != collateral_.end()) return it->second;
  }
  auto verified = VerifiedCollateral::Build(source, root_spki);
  std::lock_guard<std::mutex> lock(mu_);
  if (collateral_.size() >= kMaxCacheEntries) collateral_.clear();
  collateral_.emplace(std::move(key), verified);
  return verified;
}

const QuoteVerifier& QuoteVerifier::Shared() {
  static const QuoteVerifier* const verifier = new QuoteVerifier();
  return *verifier;
}

StatusOr<DcapVerdict> QuoteVerifier::Verify(
    const Quote& quote, const evidence::VerifyContext& context,
    const evidence::DcapOptions& options,
    std::shared_ptr<const collateral::DcapCollateral> inline_collateral) const {
  Provenance provenance = Provenance::kUnspecified;
  const bool sent = inline_collateral != nullptr;
  StatusOr<DcapVerdict> v = VerifyQuote(quote, context, options, std::move(inline_collateral),
                                        options.tcb_update, provenance);
  if (v && !sent && options.evaluate_early &&
      options.tcb_update == collateral::TcbUpdate::kStandard) {
    EvaluateEarly(quote, context, options, *v);
  }
  if (!v && v.error().code() == StatusCode::kInvalidCollateral &&
      v.error().provenance() == Provenance::kUnspecified) {
    Status s = v.error();
    if (provenance != Provenance::kSentByCaller) {
      // Not the caller's fault: say so, the HTTP layer answers 503 (retryable).
      s = s.WithContext("the server's collateral is unusable");
    }
    return Err(std::move(s).WithProvenance(provenance == Provenance::kUnspecified
                                               ? Provenance::kHeldByServer
                                               : provenance));
  }
  return v;
}

namespace {

bool IsOutOfDate(TcbStatus s) {
  return s == TcbStatus::kOutOfDate || s == TcbStatus::kOutOfDateConfigurationNeeded ||
         s == TcbStatus::kRevoked;
}

}  // namespace

void QuoteVerifier::EvaluateEarly(const Quote& quote, const evidence::VerifyContext& context,
                                  const evidence::DcapOptions& options,
                                  DcapVerdict& verdict) const {
  Provenance provenance = Provenance::kUnspecified;
  StatusOr<DcapVerdict> early =
      VerifyQuote(quote, context, options, nullptr, collateral::TcbUpdate::kEarly, provenance);
  DcapVerdict::EarlyTcb out;
  if (!early) {
    // No early set (e.g. none published for the FMSPC) never changes the standard verdict.
    out.error = early.error().reason();
    verdict.early = std::move(out);
    return;
  }
  out.tcb_status = early->tcb_status;
  out.advisory_ids = early->advisory_ids;
  out.tcb_evaluation_data_number = early->tcb_evaluation_data_number;
  verdict.early = std::move(out);
  if (!IsOutOfDate(verdict.tcb_status) && IsOutOfDate(early->tcb_status)) {
    // Up to date today, out of date once the recovery takes effect: counted per platform
    // (PCK key) so the fleet view shows how many machines to patch.
    std::shared_ptr<const PckChain> chain =
        GetPckChain(quote.qe.cert_data, context.anchors.intel_sgx_root_spki);
    collateral::EarlyTcbWatch::Shared().RecordAtRisk(
        verdict.fmspc, HexEncode(crypto::Sha256(chain->leaf_spki)).substr(0, 32));
  }
}

StatusOr<DcapVerdict> QuoteVerifier::VerifyQuote(
    const Quote& quote, const evidence::VerifyContext& context,
    const evidence::DcapOptions& options, std::shared_ptr<const collateral::DcapCollateral> inline_collateral,
    collateral::TcbUpdate update, Provenance& provenance) const {
  const UnixTime t = context.clock.Now();
  ByteSpan root_spki = context.anchors.intel_sgx_root_spki;

  // A4/A5: the PCK chain and SGX extension.
  std::shared_ptr<const PckChain> chain = GetPckChain(quote.qe.cert_data, root_spki);
  if (!chain->parse_error.ok()) return Err(chain->parse_error);
  const PckInfo& pck = chain->info;
  // B1-B3: chain roles, pinned root, signatures. Checked before any collateral is asked for
  // (QVL checks collateral formats first): the FMSPC and CA of an unverified chain are the
  // caller's say-so, and must not decide what the server looks up or fetches.
  if (!chain->trust_error.ok()) return Err(chain->trust_error);

  // Collateral for this platform.
  std::shared_ptr<const collateral::DcapCollateral> collateral = inline_collateral;
  if (!collateral) {
    collateral::DcapCollateralRequest request;
    request.tee = quote.is_tdx() ? collateral::DcapTee::kTdx : collateral::DcapTee::kSgx;
    request.fmspc = HexEncodeUpper(pck.fmspc);
    request.pck_ca = chain->ca;
    request.update = update;
    auto got = context.collateral.GetDcapCollateral(request);
    if (!got) {
      if (got.error().code() == StatusCode::kNotFound) {
        return Err(Status::Unavailable(reason::kCollateralMissing, got.error().message()));
      }
      return Err(got.error());
    }
    collateral = std::move(*got);
  }
  provenance = collateral->provenance;
  std::shared_ptr<const VerifiedCollateral> coll =
      inline_collateral ? VerifiedCollateral::Build(collateral, root_spki)
                        : GetCollateral(collateral, root_spki);
  // A6: collateral formats.
  if (!coll->format_error().ok()) return Err(coll->format_error());

  DcapVerdict v;
  v.collateral_origins = collateral->origins;
  // B4: Root CA CRL issued by the root, well-formed, signed, current; PCK CA not revoked.
  const crypto::Crl& root_crl = *coll->root_crl();
  if (X509_NAME_cmp(root_crl.issuer(), chain->root->subject()) != 0) {
    return Err(CrlStatus(reason::kCrlIssuerMismatch, "the Root CA CRL was not issued by the root"));
  }
  ATTEST_RETURN_IF_ERROR(EvaluateSteps(coll->root_crl_steps(), t));
  if (root_crl.IsRevoked(*chain->intermediate)) {
    return Err(Status::InvalidEvidence(reason::kCaRevoked, "the PCK CA certificate is revoked"));
  }
  // B5: PCK CRL, or its explicit waiver (spec §7.6).
  if (coll->pck_crl()) {
    ATTEST_RETURN_IF_ERROR(EvaluateSteps(coll->pck_crl_chain_steps(), t));
    ATTEST_RETURN_IF_ERROR(CheckPckCrl(*coll, *chain, t));
  } else if (options.allow_missing_pck_crl) {
    v.pck_revocation_checked = false;
  } else {
    return Err(Status::Unavailable(
        reason::kCollateralMissing,
        "no PCK CRL is available for the PCK CA, so revocation cannot be checked (it can be "
        "waived explicitly with the allow-missing-PCK-CRL option)"));
  }
  // B6: the PCK chain's validity at T.
  ATTEST_RETURN_IF_ERROR(EvaluateSteps(chain->validity, t));
  // B7, B8: TCB info and QE identity.
  ATTEST_RETURN_IF_ERROR(EvaluateSteps(coll->tcb_info_steps(), t));
  ATTEST_RETURN_IF_ERROR(EvaluateSteps(coll->qe_identity_steps(), t));
  const TcbInfo& tcb = coll->tcb_info();
  const EnclaveIdentity& qe_id = coll->qe_identity();

  // C3 [QVL 4.1.2.4.9]: TCB info kind matches the TEE.
  if (tcb.is_tdx() != quote.is_tdx()) {
    return Err(Status::InvalidCollateral(reason::kTcbInfoMismatch,
                                         "TCB info id '" + tcb.id + "' does not match a " +
                                             (quote.is_tdx() ? "TDX" : "SGX") + " quote"));
  }
  // C4 [QVL 4.1.2.4.10]: FMSPC and PCE-ID.
  if (tcb.fmspc != pck.fmspc || tcb.pce_id != pck.pceid) {
    return Err(Status::InvalidCollateral(
        reason::kTcbInfoMismatch, "TCB info is for FMSPC " + HexEncodeUpper(tcb.fmspc) +
                                      " / PCE-ID " + HexEncodeUpper(tcb.pce_id) +
                                      ", the PCK certificate for " + HexEncodeUpper(pck.fmspc) +
                                      " / " + HexEncodeUpper(pck.pceid)));
  }
  // C6 [QVL 4.1.2.4.11]: TDX module identity.
  if (quote.is_tdx()) {
    const TdReportBody& td = *quote.td_body;
    const TdxModuleIdentity* expected = tcb.tdx_module ? &*tcb.tdx_module : nullptr;
    if (td.tee_tcb_svn[1] > 0) {
      if (tcb.tdx_module_identities.empty()) {
        return Err(Status::InvalidCollateral(reason::kTcbInfoMismatch,
                                             "the TDX module major version is " +
                                                 std::to_string(td.tee_tcb_svn[1]) +
                                                 " but the TCB info has no tdxModuleIdentities"));
      }
      expected = FindTdxModuleIdentity(tcb, td.tee_tcb_svn[1]);
      if (!expected) {
        return Err(Status::InvalidEvidence(
            reason::kTdxModuleMismatch,
            "TCB info has no identity " + TdxModuleIdentityId(td.tee_tcb_svn[1])));
      }
    }
    if (!expected) {
      return Err(Status::InvalidCollateral(reason::kTcbInfoMismatch, "TCB info has no tdxModule"));
    }
    // [QVL 4.1.2.4.11.1]
    if (!std::equal(td.mrsignerseam.begin(), td.mrsignerseam.end(), expected->mrsigner.begin(),
                    expected->mrsigner.end())) {
      return Err(Status::InvalidEvidence(reason::kTdxModuleMismatch,
                                         "MRSIGNERSEAM does not match the TDX module identity"));
    }
    // [QVL 4.1.2.4.11.2]: SEAMATTRIBUTES all zero and equal to the expected attributes.
    for (size_t i = 0; i < td.seam_attributes.size(); ++i) {
      if (td.seam_attributes[i] != 0 || expected->attributes[i] != 0) {
        return Err(Status::InvalidEvidence(reason::kTdxModuleMismatch,
                                           "SEAMATTRIBUTES do not match the TDX module identity"));
      }
    }
  }
  // C7 [QVL 4.1.2.4.12]: the QE report is signed by the PCK key.
  const SgxReportBody& qe = quote.qe.qe_report;
  // The same (QE report, signature, PCK key) recurs in every quote of a platform: remembered.
  if (!qe_report_signatures_.VerifyP256Sha256(chain->leaf->public_key(), chain->leaf_spki, qe.raw,
                                              quote.qe.qe_report_signature)) {
    return Err(Status::InvalidEvidence(reason::kInvalidQeReportSignature,
                                       "the QE report signature does not verify with the PCK key"));
  }
  // C8 [QVL 4.1.2.4.13]: QE report data binds the attestation key and QE auth data.
  crypto::Sha256Digest binding = crypto::Sha256(quote.attestation_key, quote.qe.qe_auth_data);
  if (!std::equal(binding.begin(), binding.end(), qe.report_data.begin())) {
    return Err(Status::InvalidEvidence(
        reason::kInvalidQeReportData,
        "QE report data is not SHA-256(attestation key || QE authentication data)"));
  }
  // C9 [QVL 4.1.2.4.14]: the identity is the QE of this TEE.
  const char* want_id = quote.is_tdx() ? "TD_QE" : "QE";
  if (qe_id.id != want_id) {
    return Err(QeMismatch("the enclave identity is '" + qe_id.id + "', a " +
                          (quote.is_tdx() ? "TDX" : "SGX") + " quote needs '" + want_id + "'"));
  }
  // C10 [QVL 4.1.2.9.5-4.1.2.9.10]
  if (!MaskedEquals(qe.miscselect_bytes, qe_id.miscselect_mask, qe_id.miscselect)) {
    return Err(QeMismatch("QE MISCSELECT does not match the QE identity"));
  }
  if (!MaskedEquals(qe.attributes, qe_id.attributes_mask, qe_id.attributes)) {
    return Err(QeMismatch("QE ATTRIBUTES do not match the QE identity"));
  }
  if (!std::equal(qe.mrsigner.begin(), qe.mrsigner.end(), qe_id.mrsigner.begin(),
                  qe_id.mrsigner.end())) {
    return Err(QeMismatch("QE MRSIGNER does not match the QE identity"));
  }
  if (qe.isv_prod_id != qe_id.isvprodid) {
    return Err(QeMismatch("QE ISVPRODID " + std::to_string(qe.isv_prod_id) +
                          " does not match the QE identity's " + std::to_string(qe_id.isvprodid)));
  }
  const QeTcbLevel* qe_level = nullptr;
  for (const QeTcbLevel& l : qe_id.levels) {
    if (l.isvsvn <= qe.isv_svn) {
      qe_level = &l;
      break;
    }
  }
  // C11 [QVL 4.1.2.4.16]: the quote signature by the attestation key.
  ATTEST_ASSIGN_OR_RETURN(std::shared_ptr<EVP_PKEY> attestation_key,
                          GetAttestationKey(quote.attestation_key));
  if (!crypto::VerifyEcdsaP256Sha256Raw(attestation_key.get(), quote.signed_bytes,
                                        quote.quote_signature)) {
    return Err(
        Status::InvalidEvidence(reason::kInvalidQuoteSignature,
                                "the quote signature does not verify with the attestation key"));
  }
  // C10.5, reported after C11 as QVL does.
  if (!qe_level) {
    return Err(Status::InvalidEvidence(
        reason::kTcbNotSupported,
        "the QE's ISVSVN " + std::to_string(qe.isv_svn) + " is below every QE identity level"));
  }
  // C12 [QVL 4.1.2.4.17]
  ATTEST_RETURN_IF_ERROR(EvaluateTcb(quote, pck, tcb, *qe_level, v));

  v.tcb_evaluation_data_number = tcb.tcb_evaluation_data_number;
  v.qe_tcb_evaluation_data_number = qe_id.tcb_evaluation_data_number;
  v.tcb_info_version = tcb.version;
  v.qe_identity_version = qe_id.version;
  v.fmspc = HexEncodeUpper(pck.fmspc);
  v.pceid = HexEncodeUpper(pck.pceid);
  v.sgx_type = pck.sgx_type;
  v.configuration = pck.configuration;
  v.pck_ca = chain->ca == collateral::PckCa::kProcessor ? "processor" : "platform";
  v.is_debuggable = quote.sgx_body ? quote.sgx_body->debug() : quote.td_body->debug();
  v.trailing_bytes = quote.trailing_bytes;
  UnixTime expiry = std::min({EarliestExpiry(chain->validity), EarliestExpiry(coll->root_crl_steps()),
                              EarliestExpiry(coll->tcb_info_steps()),
                              EarliestExpiry(coll->qe_identity_steps())});
  if (coll->pck_crl()) expiry = std::min(expiry, coll->pck_crl()->next_update());
  v.collateral_expiration = expiry;
  v.collateral_hashes = coll->hashes();
  return v;
}

}  // namespace attest::dcap
