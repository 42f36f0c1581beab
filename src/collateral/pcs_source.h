// PcsSource: Intel DCAP collateral from Intel PCS v4 or any PCCS (same API; Azure's global
// cache speaks it too), spec/intel-dcap.md §4.1:
//
//   {base}/{sgx|tdx}/certification/v4/tcb?fmspc=<hex>&update=<standard|early>
//   {base}/{sgx|tdx}/certification/v4/qe/identity?update=<standard|early>
//   {base}/sgx/certification/v4/pckcrl?ca=<platform|processor>&encoding=der
//   root CA CRL: Intel's CDP for Intel's PCS, else {base}/sgx/certification/v4/rootcacrl
//
// Each answer is checked before it is returned, so that only verified collateral is cached:
// the issuer-chain header (percent-encoded PEM) must end at the pinned Intel root key, the
// JSON signature / CRL signature must verify, and the document must be what was asked for
// (TEE, FMSPC, QE kind, PCK CA). A failed check is UNAVAILABLE COLLATERAL_REJECTED.
// Item keys: intel/<tee>/tcb/<FMSPC>/<update>, intel/<tee>/qe/<update>, intel/pckcrl/<ca>,
// intel/rootcacrl. Thread-safe.
#pragma once

#include <string>

#include "collateral/collateral_item.h"
#include "collateral/collateral_provider.h"
#include "collateral/vendor_client.h"

namespace attest::collateral {

inline constexpr std::string_view kIntelPcsUrl = "https://api.trustedservices.intel.com";
inline constexpr std::string_view kIntelRootCaCrlUrl =
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";

class PcsSource {
 public:
  struct Options {
    std::string base_url = std::string(kIntelPcsUrl);  // no trailing slash
    std::string root_ca_crl_url;  // "" = Intel's CDP for Intel's PCS, else the PCCS route
    // Minimum interval between requests to the base URL's host (0 = none; PCS and PCCS
    // publish no per-client limit, and answer 429 with Retry-After when they have one).
    int64_t min_interval_ms = 0;
  };
  // `client` is borrowed; `root_spki` is the pinned Intel SGX Root CA key (DER SPKI).
  PcsSource(VendorClient& client, Options options, Bytes root_spki);

  static std::string TcbInfoKey(DcapTee tee, std::string_view fmspc, TcbUpdate update);
  static std::string QeIdentityKey(DcapTee tee, TcbUpdate update);
  static std::string PckCrlKey(PckCa ca);
  static std::string RootCaCrlKey();
  static bool Owns(std::string_view key) { return key.starts_with("intel/"); }

  // What the key names, for messages ("TCB info for SGX FMSPC 00606A000000").
  static std::string Describe(std::string_view key);
  // The URL the key is fetched from; INVALID_ARGUMENT for a malformed key.
  StatusOr<std::string> UrlFor(std::string_view key) const;
  // GET and Check.
  StatusOr<CollateralItem> Fetch(const std::string& key);
  // Checks an item as delivered (fresh from the vendor, from the store or from a bundle) and
  // fills its checked fields. UNAVAILABLE COLLATERAL_REJECTED when it fails.
  StatusOr<CollateralItem> Check(CollateralItem item) const;

 private:
  VendorClient& client_;
  Options options_;
  Bytes root_spki_;
};

// Percent-decoding only ('+' stays '+'), as PCS issuer-chain headers need (§4.1).
StatusOr<std::string> PercentDecode(std::string_view text);

}  // namespace attest::collateral
