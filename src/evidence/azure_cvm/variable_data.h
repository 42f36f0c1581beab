// The HCL variable data of an Azure confidential VM (spec/azure-cvm.md §4): the runtime-claims
// JSON the HCL report binds, holding the vTPM attestation key (JWK "HCLAkPub"), optionally the
// endorsement key ("HCLEkPub"), the VM configuration and the guest's 64-byte user-data.
//
// Parse it only after CheckVariableDataBinding (hcl_report.h) has tied the bytes to a verified
// hardware report: until then nothing in it is trustworthy.
#pragma once

#include <optional>

#include <nlohmann/json.hpp>

#include "base/bytes.h"
#include "base/status.h"
#include "crypto/openssl_ptr.h"

namespace attest::evidence::azure_cvm {

inline constexpr size_t kMaxVariableDataSize = 32 * 1024;
inline constexpr size_t kMaxVariableDataDepth = 16;

struct HclVariableData {
  nlohmann::json claims;          // the whole document, as MAA's x-ms-runtime
  crypto::EvpPkeyPtr ak_public;   // kid "HCLAkPub" (selected by kid, never by key_ops)
  crypto::EvpPkeyPtr ek_public;   // kid "HCLEkPub"; null when absent (2023-era HCL)
  std::optional<Bytes> user_data; // "user-data": 64 bytes (hex, either case); absent before 2024
};

// Refuses (InvalidEvidence, HCL_VARIABLE_DATA_INVALID): more than kMaxVariableDataSize bytes,
// not a JSON object (or nested deeper than kMaxVariableDataDepth), `keys` not an array of JWK
// objects, no `HCLAkPub` (or two), an AK that is not an RSA or EC public JWK, `user-data` that
// is not 128 hex digits, `vm-configuration` that is not an object.
StatusOr<HclVariableData> ParseHclVariableData(ByteSpan bytes);

}  // namespace attest::evidence::azure_cvm
