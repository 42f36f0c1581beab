// QuoteVerifier: verifies a parsed Intel DCAP quote (SGX v3, TDX v4/v5) against collateral
// and the pinned Intel root, in the order of Intel's Quote Verification Library
// (spec/intel-dcap.md §5, phases B and C).
//
// Built once and shared by all requests: thread-safe. It memoises what is expensive and
// time-independent — PCK chains by their bytes, checked collateral sets by identity — and
// re-judges every validity window at each verification's time, so results never depend on
// what was cached. Caches are bounded.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "collateral/collateral_provider.h"
#include "evidence/dcap/pck_chain.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/verdict.h"
#include "evidence/dcap/verified_collateral.h"
#include "evidence/evidence.h"
#include "evidence/verifier_config.h"

namespace attest::dcap {

class QuoteVerifier {
 public:
  QuoteVerifier() = default;
  QuoteVerifier(const QuoteVerifier&) = delete;
  QuoteVerifier& operator=(const QuoteVerifier&) = delete;

  // Verifies `quote` with the collateral the context's provider has for its platform, or
  // with `inline_collateral` when the evidence brought its own (e.g. Open Enclave
  // endorsements; checked afresh each time rather than cached). `options` is the DCAP block
  // of the calling verifier's configuration.
  StatusOr<DcapVerdict> Verify(
      const Quote& quote, const evidence::VerifyContext& context,
      const evidence::DcapOptions& options,
      std::shared_ptr<const collateral::DcapCollateral> inline_collateral = nullptr) const;

  // The process-wide instance the SGX, Open Enclave and TDX verifiers share.
  static const QuoteVerifier& Shared();

  // Drops every memoised result (tests, collateral refresh).
  void ClearCaches() const;

 private:
  std::shared_ptr<const PckChain> GetPckChain(ByteSpan cert_data, ByteSpan root_spki) const;
  // The decoded attestation key (stable per QE instance), or UNSUPPORTED_QUOTE_FORMAT.
  StatusOr<std::shared_ptr<EVP_PKEY>> GetAttestationKey(ByteSpan raw_xy) const;
  std::shared_ptr<const VerifiedCollateral> GetCollateral(
      const std::shared_ptr<const collateral::DcapCollateral>& source, ByteSpan root_spki) const;

  static constexpr size_t kMaxCacheEntries = 4096;
  mutable std::mutex mu_;
  mutable std::unordered_map<std::string, std::shared_ptr<const PckChain>> chains_;
  mutable std::unordered_map<std::string, std::shared_ptr<const VerifiedCollateral>> collateral_;
  mutable std::unordered_map<std::string, std::shared_ptr<EVP_PKEY>> attestation_keys_;
};

}  // namespace attest::dcap
