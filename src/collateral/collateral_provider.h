// CollateralProvider: where verifiers get the vendor collateral that evidence is judged by,
// one typed request per kind (Intel DCAP collateral; AMD SEV-SNP certificates and CRLs).
//
// Sources: an offline directory (offline_dir_provider.h), a fixed in-memory set (e.g. Open
// Enclave endorsements sent with the evidence) and, later, network fetchers (Intel PCS/PCCS,
// AMD KDS) that reach the network only through an injected HttpsGetter (https_getter.h).
// Caching and fallback are decorators around any source (provider_wrappers.h), in the spirit
// of leveldb's EnvWrapper. Every result records its Provenance: collateral the server holds or
// fetched that turns out unusable is the server's problem (503), not the caller's (400).
//
// Implementations must be thread-safe. Returned collateral is immutable and shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/reasons.h"
#include "base/status.h"
#include "base/time.h"

namespace attest::collateral {

// --- Intel DCAP (spec/intel-dcap.md §4) ---

enum class DcapTee { kSgx, kTdx };
enum class PckCa { kPlatform, kProcessor };

// Which TCB info / identity set Intel PCS serves (v4 `update=`): the standard set, or the
// early set that anticipates a TCB recovery (spec/intel-dcap.md §4.1).
enum class TcbUpdate { kStandard, kEarly };

std::string_view DcapTeeName(DcapTee tee);  // "sgx", "tdx"
std::string_view PckCaName(PckCa ca);       // "platform", "processor"
std::string_view TcbUpdateName(TcbUpdate u);  // "standard", "early"

struct DcapCollateralRequest {
  DcapTee tee = DcapTee::kSgx;
  std::string fmspc;  // 12 hex digits, upper case
  PckCa pck_ca = PckCa::kPlatform;
  TcbUpdate update = TcbUpdate::kStandard;  // sources without an early set serve standard only
};

// Where and when one collateral item came from: recorded in tokens so that a token can be
// re-verified "as of" its time with exactly the same collateral (docs/collateral.md).
struct CollateralOrigin {
  std::string item;    // what it is: the cache key, e.g. "intel/sgx/tcb/00606A000000/standard"
  std::string source;  // the URL it was fetched from
  UnixTime fetched_at = 0;
  std::string update;  // "standard" | "early" for TCB info / identities, "" otherwise
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
  Provenance provenance = Provenance::kHeldByServer;
  // Per item, when the source records it (the online collateral service); not content.
  std::vector<CollateralOrigin> origins;
};

// SHA-256 over every item (length-prefixed, presence of optional items included), raw 32
// bytes: equal contents give equal keys whatever object holds them. Provenance is not part of
// the content.
std::string DcapContentKey(const DcapCollateral& c);

// --- AMD SEV-SNP (AMD KDS interface spec, "VCEK/VLEK certificate" and "cert_chain"/"crl") ---

// The key that signed an attestation report: chip-unique VCEK, or a CSP's VLEK.
enum class AmdSigningKey { kVcek, kVlek };

// The endorsement-key certificate of one chip at one reported TCB. VLEKs are not published
// per chip; a VLEK request carries the chip id for sources that hold them anyway.
struct AmdEkCertificateRequest {
  AmdSigningKey key = AmdSigningKey::kVcek;
  std::string product;  // "Milan", "Genoa", "Turin", ...
  Bytes chip_id;        // 64 bytes (report CHIP_ID)
  uint64_t reported_tcb = 0;  // report REPORTED_TCB, as the little-endian u64
};

// The CA chain of a product: ASK (signs VCEKs) or ASVK (signs VLEKs), and ARK.
struct AmdCaChainRequest {
  AmdSigningKey key = AmdSigningKey::kVcek;
  std::string product;
};

// The CRL the ARK issues for a product's ASK or ASVK.
struct AmdCrlRequest {
  AmdSigningKey key = AmdSigningKey::kVcek;
  std::string product;
};

struct AmdCertificate {
  Bytes der;
  Provenance provenance = Provenance::kHeldByServer;
};

struct AmdCaChain {
  Bytes intermediate_der;  // ASK or ASVK
  Bytes ark_der;
  Provenance provenance = Provenance::kHeldByServer;
};

struct AmdCrl {
  Bytes der;
  Provenance provenance = Provenance::kHeldByServer;
};

// --- The provider ---

// Every Get* answers: the collateral; NOT_FOUND-coded when this source has nothing for the
// request (a chain then asks the next source); UNAVAILABLE when a source could not be reached
// (retryable). Messages name what is missing, never where a source keeps it (they reach
// clients).
class CollateralProvider {
 public:
  virtual ~CollateralProvider() = default;

  virtual StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) = 0;

  // AMD kinds have no source yet: the defaults answer NOT_FOUND.
  virtual StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request);
  virtual StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request);
  virtual StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request);
};

// Serves one fixed DCAP collateral set for every request. Thread-safe.
class StaticCollateralProvider final : public CollateralProvider {
 public:
  explicit StaticCollateralProvider(std::shared_ptr<const DcapCollateral> dcap)
      : dcap_(std::move(dcap)) {}
  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest&) override {
    if (!dcap_) {
      return Err(Status::NotFound(reason::kCollateralMissing, "no DCAP collateral"));
    }
    return dcap_;
  }

 private:
  std::shared_ptr<const DcapCollateral> dcap_;
};

}  // namespace attest::collateral
