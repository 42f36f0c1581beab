// QuoteVerifier: verifies a parsed Intel DCAP quote (SGX v3, TDX v4/v5) against collateral
// and the pinned Intel root, in the order of Intel's Quote Verification Library
// (spec/intel-dcap.md §5, phases B and C).
//
// Built once and shared by all requests: thread-safe. It memoises what is expensive and
// time-independent — PCK chains by their bytes, checked collateral sets by their content, PCK
// signatures over QE reports by their exact bytes — and re-judges every validity window at
// each verification's time, so results never depend on what was cached. Caches are bounded.
//
// Failures about collateral (kInvalidCollateral) carry the collateral's Provenance, so that
// the HTTP layer can tell the caller's bad collateral (400) from the server's (503).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "collateral/collateral_provider.h"
#include "evidence/dcap/pck_chain.h"
#include "evidence/dcap/quote.h"
#include "evidence/dcap/signature_cache.h"
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

  // How many entries each cache holds (tests, diagnostics).
  struct CacheSizes {
    size_t pck_chains = 0;
    size_t collateral_sets = 0;
    size_t qe_report_signatures = 0;
  };
  CacheSizes Sizes() const;

 private:
  std::shared_ptr<const PckChain> GetPckChain(ByteSpan cert_data, ByteSpan root_spki) const;
  // The decoded attestation key (stable per QE instance), or UNSUPPORTED_QUOTE_FORMAT.
  StatusOr<std::shared_ptr<EVP_PKEY>> GetAttestationKey(ByteSpan raw_xy) const;
  std::shared_ptr<const VerifiedCollateral> GetCollateral(
      const std::shared_ptr<const collateral::DcapCollateral>& source, ByteSpan root_spki) const;
  // DcapContentKey of `source`, remembered per live object so that a source returning the
  // same object each time (a cache) costs no hashing.
  std::string ContentKeyOf(const std::shared_ptr<const collateral::DcapCollateral>& source) const;
  StatusOr<DcapVerdict> VerifyQuote(const Quote& quote, const evidence::VerifyContext& context,
                                    const evidence::DcapOptions& options,
                                    std::shared_ptr<const collateral::DcapCollateral> inline_collateral,
                                    collateral::TcbUpdate update, Provenance& provenance) const;
  // DcapOptions::evaluate_early: the quote judged again by the early TCB info set.
  void EvaluateEarly(const Quote& quote, const evidence::VerifyContext& context,
                     const evidence::DcapOptions& options, DcapVerdict& verdict) const;

  static constexpr size_t kMaxCacheEntries = 4096;
  static constexpr size_t kMaxContentKeyEntries = 256;
  struct ContentKeyEntry {
    std::weak_ptr<const collateral::DcapCollateral> owner;
    std::string key;
  };
  mutable SignatureCache qe_report_signatures_{kMaxCacheEntries};
  mutable std::mutex mu_;
  mutable std::unordered_map<const void*, ContentKeyEntry> content_keys_;
  // PCK chains by the exact certification data (hashing it would cost more than the lookup);
  // each remembers the root key it was checked against.
  // Keys are whole PCK certification data (3-5 KiB); hashing all of it on every lookup is a
  // measurable part of a cached verification. The first KiB (the leaf, which differs per
  // platform) and the length pick the bucket; equality still compares every byte. Only
  // verified chains are stored, so crafted collisions cannot crowd a bucket.
  struct TransparentHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const {
      return std::hash<std::string_view>{}(s.substr(0, 1024)) ^ (s.size() * 0x9e3779b97f4a7c15ULL);
    }
  };
  struct ChainEntry {
    std::string root_spki;
    std::shared_ptr<const PckChain> chain;
  };
  mutable std::unordered_map<std::string, ChainEntry, TransparentHash, std::equal_to<>> chains_;
  mutable std::unordered_map<std::string, std::shared_ptr<const VerifiedCollateral>> collateral_;
  mutable std::unordered_map<std::string, std::shared_ptr<EVP_PKEY>> attestation_keys_;
};

}  // namespace attest::dcap
