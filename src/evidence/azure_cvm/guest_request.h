// The body of POST /attest/AzureGuest (azure-cvm.md §9.2, maa-real-clients.md §3) as both of
// Microsoft's guest clients send it:
//
//   {"AttestationInfo": b64url(JSON{AttestationProtocolVersion, OSType, OSDistro,
//     OSVersionMajor, OSVersionMinor, OSBuild, TcgLogs, ClientPayload, TpmInfo, IsolationInfo})}
//
// Member names match case-insensitively; binary members are base64 or base64url, padded or
// not; OS versions are integers (C++) or decimal strings (Python); ClientPayload values are
// kept exactly as sent (base64 from C++, raw strings from Python), as MAA echoes them; a
// Trusted Launch VM sends no isolation evidence. Nothing here is verified: this is shape only.
// Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"

namespace attest::evidence::azure_cvm {

inline constexpr size_t kMaxAttestationInfoSize = 4 * 1024 * 1024;
inline constexpr size_t kMaxAttestationInfoDepth = 8;
inline constexpr size_t kMaxClientPayloadEntries = 64;
inline constexpr size_t kMaxClientPayloadValueSize = 8 * 1024;

struct GuestPcr {
  uint32_t index = 0;
  Bytes digest;
};

struct GuestTpmInfo {
  Bytes aik_cert;                        // DER; empty when the VM has none
  Bytes aik_pub;                         // TPM2B_PUBLIC (Python appends ReadPublic's names)
  Bytes pcr_quote;                       // TPMS_ATTEST
  Bytes pcr_signature;                   // raw RSASSA signature, or a TPMT_SIGNATURE
  Bytes enc_key_pub;                     // TPM2B_PUBLIC of the ephemeral encryption key
  Bytes enc_key_certify_info;            // TPMS_ATTEST (TPM_ST_ATTEST_CERTIFY)
  Bytes enc_key_certify_info_signature;  // raw RSASSA signature, or a TPMT_SIGNATURE
  std::vector<uint32_t> pcr_set;         // the quoted PCR indices
  std::vector<GuestPcr> pcrs;            // SHA-256 bank values
};

enum class GuestIsolationType { kTrustedLaunch, kSevSnp, kTdx };

struct GuestIsolation {
  GuestIsolationType type = GuestIsolationType::kTrustedLaunch;
  Bytes proof;                  // SevSnp: the Proof JSON document (the SevSnpVm report form)
  Bytes snp_report;             // SevSnp: the 1184-byte report
  std::string vcek_cert_chain;  // SevSnp: PEM VCEK ‖ ASK ‖ ARK (may be empty)
  Bytes td_quote;               // Tdx: the TD quote
  Bytes runtime_data;           // the HCL variable data the hardware report binds
};

struct AzureGuestRequest {
  std::string protocol_version;
  std::string os_type;    // "Linux" / "Windows"
  std::string os_distro;
  std::string os_build;
  uint32_t os_version_major = 0;
  uint32_t os_version_minor = 0;
  Bytes tcg_logs;  // may be empty
  std::vector<std::pair<std::string, std::string>> client_payload;  // in request order
  GuestTpmInfo tpm;
  GuestIsolation isolation;
};

// Errors: kInvalidArgument INVALID_REQUEST_BODY / MISSING_EVIDENCE / EVIDENCE_TOO_LARGE, the
// message naming the member that is missing, of the wrong JSON type or badly encoded.
StatusOr<AzureGuestRequest> ParseAzureGuestRequest(std::string_view body);
// The same for the decoded AttestationInfo JSON alone (the route's evidence bytes).
StatusOr<AzureGuestRequest> ParseAttestationInfo(ByteSpan info_json);

std::string_view IsolationTypeName(GuestIsolationType type);

}  // namespace attest::evidence::azure_cvm
