// VerifiedCollateral: one DCAP collateral set checked against the pinned root (spec/intel-dcap.md
// A6, B4, B7, B8), recorded as ordered CheckSteps so the result can be cached and re-judged at
// any verification time. Immutable after construction except the PCK-CRL signer memo, which is
// guarded by a mutex. Thread-safe.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "collateral/collateral_provider.h"
#include "crypto/x509.h"
#include "evidence/dcap/check_step.h"
#include "evidence/dcap/tcb_info.h"

namespace attest::dcap {

// SHA-256 (lower-case hex) of each collateral item, for MAA's x-ms-sgx-collateral claim.
struct CollateralHashes {
  std::string tcbinfohash, tcbinfocertshash, tcbinfocrlhash;
  std::string qeidhash, qeidcertshash, qeidcrlhash;
};

class VerifiedCollateral {
 public:
  // Checks `source` with the pinned Intel root key `root_spki` (DER SPKI).
  static std::shared_ptr<const VerifiedCollateral> Build(
      std::shared_ptr<const collateral::DcapCollateral> source, ByteSpan root_spki);

  // A6: a collateral item does not parse.
  const Status& format_error() const { return format_error_; }
  // B4 (format, signature, validity of the Root CA CRL; issuer and CA revocation are checked
  // against the quote's chain by the caller).
  const std::vector<CheckStep>& root_crl_steps() const { return root_crl_steps_; }
  // B7 / B8.
  const std::vector<CheckStep>& tcb_info_steps() const { return tcb_info_steps_; }
  const std::vector<CheckStep>& qe_identity_steps() const { return qe_identity_steps_; }
  // B5: a separately supplied PCK CRL issuer chain must itself chain to the pinned key (the
  // CRL's signature is checked with the quote's own PCK CA, so the chain is never trusted).
  const std::vector<CheckStep>& pck_crl_chain_steps() const { return pck_crl_chain_steps_; }

  const std::optional<crypto::Crl>& root_crl() const { return root_crl_; }
  const std::optional<crypto::Crl>& pck_crl() const { return pck_crl_; }
  // Valid only when the corresponding steps pass.
  const TcbInfo& tcb_info() const { return tcb_info_; }
  const EnclaveIdentity& qe_identity() const { return qe_identity_; }
  const CollateralHashes& hashes() const { return hashes_; }

  // Whether the PCK CRL's signature verifies with `ca`'s key; memoised per CA certificate.
  bool PckCrlSignedBy(const crypto::Certificate& ca) const;

 private:
  VerifiedCollateral() = default;

  std::shared_ptr<const collateral::DcapCollateral> source_;
  Status format_error_;
  std::vector<CheckStep> root_crl_steps_, tcb_info_steps_, qe_identity_steps_,
      pck_crl_chain_steps_;
  std::optional<crypto::Crl> root_crl_, pck_crl_;
  TcbInfo tcb_info_;
  EnclaveIdentity qe_identity_;
  CollateralHashes hashes_;

  mutable std::mutex mu_;
  mutable std::vector<Bytes> pck_crl_signers_;  // DER of CAs whose key verified the PCK CRL
};

}  // namespace attest::dcap
