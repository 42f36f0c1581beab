// KdsSource: AMD SEV-SNP endorsement certificates from AMD KDS (amd-sev-snp.md §8):
//
//   {base}/vcek/v1/{P}/{hwid}?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..   (+ fmcSPL on Turin)
//   {base}/{vcek|vlek}/v1/{P}/cert_chain    PEM, ASK (or ASVK) then ARK
//   {base}/{vcek|vlek}/v1/{P}/crl           DER CRL signed by the ARK
//
// <P> is the KDS product line: Zen4c parts (Siena, Bergamo) and Genoa-X use Genoa
// (KdsProductLine). Checks before an answer is returned (so only verified items are cached):
// the chain's ARK is self-signed, is a pinned ARK of the product (when pins are configured:
// attestd and attestctl always pin the production ARKs) and signs the ASK/ASVK; a VCEK parses, is
// signed by its product's ASK and names the requested chip (hwID); a CRL is signed by the ARK.
// Failed checks are UNAVAILABLE COLLATERAL_REJECTED. Item keys: amd/vcek/<P>/<hwid hex>/<reported
// TCB, 16 hex>, amd/cert_chain/<vcek|vlek>/<P>, amd/crl/<vcek|vlek>/<P>. VLEKs are never fetched
// (KDS serves them to CSPs only). Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "collateral/collateral_item.h"
#include "collateral/collateral_provider.h"
#include "collateral/vendor_client.h"
#include "evidence/trust_anchors.h"

namespace attest::collateral {

inline constexpr std::string_view kAmdKdsUrl = "https://kdsintf.amd.com";
// attestd's default minimum interval between requests to a KDS host: KDS throttles at about
// one VCEK per 10 s per IP and, once throttling, keeps answering 429 for minutes (issue 10),
// so pacing below that rate costs less than one 429.
inline constexpr int64_t kKdsDefaultMinIntervalMs = 10'000;
// The pacing to use when the operator sets none: kKdsDefaultMinIntervalMs against AMD's own
// KDS host (`base_url` empty or naming kdsintf.amd.com), none against any other host (a
// cache or test server of the operator's, which does not throttle like AMD).
int64_t DefaultKdsMinIntervalMs(std::string_view base_url);

// The KDS product line of a product name ("Milan-B0" -> "Milan", "Siena" -> "Genoa"), or
// NOT_FOUND for a product KDS does not serve.
StatusOr<std::string> KdsProductLine(std::string_view product);
// The KDS product line of a CPU (report CPUID_FAM_ID / CPUID_MOD_ID, amd-sev-snp.md §4.1).
StatusOr<std::string> KdsProductLineForCpu(uint8_t family, uint8_t model);

class KdsSource {
 public:
  struct Options {
    std::string base_url = std::string(kAmdKdsUrl);
    // The ARKs a chain may end at (TrustAnchors::amd_arks: SHA-256 of DER or SPKI, per
    // product line); a chain whose ARK is none of its product's is rejected. Empty: any
    // self-signed ARK-<P> (unit tests of other checks only).
    std::vector<evidence::AmdArkPin> pinned_arks;
    // Minimum interval between requests to the base URL's host (VendorClient pacing); 0 =
    // none. attestd and attestctl default to kKdsDefaultMinIntervalMs.
    int64_t min_interval_ms = 0;
  };
  // Gives the checked CA chain item of a product line (through the cache), to check VCEKs.
  using ChainLookup =
      std::function<StatusOr<std::shared_ptr<const CollateralItem>>(const std::string& key)>;

  KdsSource(VendorClient& client, Options options);

  static StatusOr<std::string> EkCertificateKey(const AmdEkCertificateRequest& request);
  static StatusOr<std::string> CaChainKey(AmdSigningKey key, std::string_view product);
  static StatusOr<std::string> CrlKey(AmdSigningKey key, std::string_view product);
  static bool Owns(std::string_view key) { return key.starts_with("amd/"); }
  static std::string Describe(std::string_view key);

  StatusOr<std::string> UrlFor(std::string_view key) const;
  StatusOr<CollateralItem> Fetch(const std::string& key, const ChainLookup& chains);
  StatusOr<CollateralItem> Check(CollateralItem item, const ChainLookup& chains) const;

  // The DER certificates of a checked chain item: {ASK or ASVK, ARK}.
  static StatusOr<std::pair<Bytes, Bytes>> ChainDer(const CollateralItem& chain);

 private:
  VendorClient& client_;
  Options options_;
};

}  // namespace attest::collateral
