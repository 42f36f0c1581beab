// How the vTPM attestation key of an Azure CVM earns trust (issue 11 item 4): through the
// Azure vTPM AK certificate (vTPM NV 0x01C101D0, AzureGuest TpmInfo.AikCert) chained to
// Microsoft's vTPM root (TrustAnchors::azure_vtpm_roots_der) when the attester presents one,
// else through the HCL binding alone: the AK is HCLAkPub in variable data that the hardware
// report commits to. The verdict names which applied.
//
// Thread-safe; holds nothing after return.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "base/time.h"
#include "crypto/x509.h"
#include "evidence/tpm/tpm_structures.h"
#include "evidence/trust_anchors.h"

namespace attest::evidence::azure_cvm {

inline constexpr std::string_view kAkTrustAzureCertificate = "azure-vtpm-certificate";
inline constexpr std::string_view kAkTrustHclBinding = "hcl-binding";

struct AzureAkTrust {
  std::string mode;        // kAkTrustAzureCertificate or kAkTrustHclBinding
  nlohmann::json verdict;  // {"mode", "ak_certificate": {...} when one was presented}
};

// Refuses only what contradicts the HCL: HCL_AK_MISMATCH when `tpm_ak` (the AK the quote was
// checked with, e.g. AzureGuest TpmInfo.AikPub) is not `hcl_ak`, or when the presented AK
// certificate certifies another key. A presented certificate that does not chain to a pinned
// root at `now` (e.g. its intermediates are missing) leaves the HCL binding as the trust, and
// the verdict says why the certificate was not used.
// `presented`: the AK certificate first, then any intermediates (may be empty).
StatusOr<AzureAkTrust> EstablishAzureAkTrust(EVP_PKEY* hcl_ak, const tpm::AkPublic* tpm_ak,
                                             const std::vector<crypto::Certificate>& presented,
                                             const TrustAnchors& anchors, UnixTime now);

}  // namespace attest::evidence::azure_cvm
