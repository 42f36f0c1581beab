#include "evidence/registry.h"

#include <string>

#include "base/reasons.h"
#include "evidence/azure_cvm/guest_verifier.h"
#include "evidence/openenclave/oe_verifier.h"
#include "evidence/sgx/sgx_verifier.h"
#include "evidence/snp/snp_verifier.h"
#include "evidence/tdx/tdx_verifier.h"
#include "policy/default_policies.h"
#include "evidence/tpm/tpm_protocol.h"

namespace attest::evidence {
namespace {

using policy::kMaaSgxDefaultPolicy;
using policy::kPermitAllPolicy;
using policy::kSevSnpDefaultPolicy;
using policy::kTdxDefaultPolicy;

template <typename T>
std::unique_ptr<AttestationProtocol> MakeProtocol(const VerifierConfig& config) {
  return std::make_unique<T>(config);
}

template <typename T>
std::unique_ptr<Verifier> Make(const VerifierConfig& config) {
  return std::make_unique<T>(config);
}

// THE list of attestation types attestd serves. Adding a TEE = a folder under src/evidence/
// and a line here (README.md).
constexpr AttestationTypeDescriptor kDescriptors[] = {
    {AttestationType::kSgxEnclave, "sgx", ClaimLayout::kSgxLegacyMirrors, kMaaSgxDefaultPolicy,
     kSgxClaimsSupported, &Make<SgxVerifier>},
    {AttestationType::kOpenEnclave, "sgx", ClaimLayout::kSgxLegacyMirrors, kMaaSgxDefaultPolicy,
     kSgxClaimsSupported, &Make<OpenEnclaveVerifier>},
    {AttestationType::kTdxVm, "tdxvm", ClaimLayout::kTopLevel, kTdxDefaultPolicy,
     kTdxClaimsSupported, &Make<TdxVerifier>},
    {AttestationType::kSevSnpVm, "sevsnpvm", ClaimLayout::kTopLevel, kSevSnpDefaultPolicy,
     kSevSnpClaimsSupported, &Make<SnpVerifier>},
    {AttestationType::kTpm, "tpm", ClaimLayout::kTopLevel, kPermitAllPolicy,
     tpm::kTpmClaimsSupported, nullptr, &MakeProtocol<tpm::TpmProtocol>, nullptr,
     tpm::kTpmReissuableClaims, tpm::kTpmPolicyOnlyClaims},
    {AttestationType::kAzureGuest, "azurevm", ClaimLayout::kTopLevel, kPermitAllPolicy,
     azure_cvm::kAzureGuestClaimsSupported, &Make<azure_cvm::AzureGuestVerifier>, nullptr,
     &azure_cvm::SealAnswerToAttestedKey},
};

}  // namespace

std::span<const AttestationTypeDescriptor> Descriptors() { return kDescriptors; }

const AttestationTypeDescriptor* FindDescriptor(AttestationType type) {
  for (const AttestationTypeDescriptor& d : kDescriptors) {
    if (d.type == type) return &d;
  }
  return nullptr;
}

Status UnsupportedType(AttestationType type) {
  return Status::InvalidArgument(reason::kAttestationTypeUnsupported,
                                 "attestation type " + std::string(AttestationTypeName(type)) +
                                     " is defined by MAA but not supported by this server");
}

StatusOr<std::unique_ptr<Verifier>> MakeVerifier(AttestationType type,
                                                 const VerifierConfig& config) {
  const AttestationTypeDescriptor* d = FindDescriptor(type);
  if (d == nullptr || d->make_verifier == nullptr) return Err(UnsupportedType(type));
  return d->make_verifier(config);
}

}  // namespace attest::evidence
