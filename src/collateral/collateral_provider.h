// CollateralProvider: where verifiers get the vendor collateral that evidence is judged by.
//
// Implementations: an offline directory (offline_dir_provider.h), a fixed in-memory set
// (e.g. Open Enclave endorsements sent with the evidence), and later caches and network
// fetchers (Intel PCS/PCCS, AMD KDS) chained in front of each other.
// Implementations must be thread-safe. Returned collateral is immutable and shared.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::collateral {

enum class DcapTee { kSgx, kTdx };
enum class PckCa { kPlatform, kProcessor };

struct DcapCollateralRequest {
  DcapTee tee = DcapTee::kSgx;
  std::string fmspc;  // 12 hex digits, upper case
  PckCa pck_ca = PckCa::kPlatform;
};

// Intel DCAP collateral exactly as delivered (Intel PCS response formats, see
// spec/intel-dcap.md §4). Raw bytes are kept because their hashes go into tokens.
struct DcapCollateral {
  Bytes tcb_info;                 // {"tcbInfo":{...},"signature":"..."}
  Bytes tcb_info_issuer_chain;    // PEM: TCB Signing + Root
  Bytes qe_identity;              // {"enclaveIdentity":{...},"signature":"..."}
  Bytes qe_identity_issuer_chain; // PEM
  std::optional<Bytes> pck_crl;   // DER, PEM or hex; absent when not published
  std::optional<Bytes> pck_crl_issuer_chain;  // PEM (optional: the CA is in the quote)
  Bytes root_ca_crl;              // DER, PEM or hex
};

class CollateralProvider {
 public:
  virtual ~CollateralProvider() = default;
  // NOT_FOUND-coded status when this provider has nothing for the request; UNAVAILABLE
  // when a source could not be reached (retryable).
  virtual StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) = 0;
};

// Serves one fixed collateral set for every request. Thread-safe.
class StaticCollateralProvider final : public CollateralProvider {
 public:
  explicit StaticCollateralProvider(std::shared_ptr<const DcapCollateral> dcap)
      : dcap_(std::move(dcap)) {}
  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest&) override {
    if (!dcap_) return Err(Status::NotFound("COLLATERAL_MISSING", "no DCAP collateral"));
    return dcap_;
  }

 private:
  std::shared_ptr<const DcapCollateral> dcap_;
};

}  // namespace attest::collateral
