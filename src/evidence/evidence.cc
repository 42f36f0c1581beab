#include "evidence/evidence.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace attest::evidence {

std::string_view AttestationTypeName(AttestationType type) {
  switch (type) {
    case AttestationType::kSgxEnclave: return "SgxEnclave";
    case AttestationType::kOpenEnclave: return "OpenEnclave";
    case AttestationType::kTdxVm: return "TdxVm";
    case AttestationType::kSevSnpVm: return "SevSnpVm";
    case AttestationType::kTpm: return "Tpm";
  }
  return "Unknown";
}

StatusOr<AttestationType> ParseAttestationType(std::string_view name) {
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "sgxenclave" || lower == "sgx") return AttestationType::kSgxEnclave;
  if (lower == "openenclave" || lower == "oe") return AttestationType::kOpenEnclave;
  if (lower == "tdxvm" || lower == "tdx") return AttestationType::kTdxVm;
  if (lower == "sevsnpvm" || lower == "sevsnp" || lower == "snp") return AttestationType::kSevSnpVm;
  if (lower == "tpm") return AttestationType::kTpm;
  return Err(Status::InvalidArgument(
      "UNKNOWN_ATTESTATION_TYPE",
      "unknown attestation type '" + std::string(name.substr(0, 64)) +
          "' (expected SgxEnclave, OpenEnclave, TdxVm, SevSnpVm or Tpm)"));
}

}  // namespace attest::evidence
