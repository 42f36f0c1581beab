#include "evidence/registry.h"

#include <string>

#include "evidence/openenclave/oe_verifier.h"
#include "evidence/sgx/sgx_verifier.h"
#include "evidence/tdx/tdx_verifier.h"
#include "evidence/tpm/tpm_protocol.h"

namespace attest::evidence {
namespace {

// spec/maa-policy-language.md §8, "SGX and OpenEnclave, served by shared and newly created
// providers" — exact bytes; x-ms-policy-hash bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw.
constexpr std::string_view kMaaSgxDefaultPolicy =
    "version= 1.0;authorizationrules{=> permit();};issuancerules{"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};";

// spec §8: the TPM, SevSnpVm and TdxVm defaults are not published; the recommended permit-all.
constexpr std::string_view kPermitAllPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

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
    {AttestationType::kTdxVm, "tdxvm", ClaimLayout::kTopLevel, kPermitAllPolicy,
     kTdxClaimsSupported, &Make<TdxVerifier>},
    {AttestationType::kSevSnpVm, "sevsnpvm", ClaimLayout::kTopLevel, kPermitAllPolicy, {}},
    {AttestationType::kTpm, "tpm", ClaimLayout::kTopLevel, kPermitAllPolicy,
     tpm::kTpmClaimsSupported, nullptr, &MakeProtocol<tpm::TpmProtocol>},
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
  return Status::InvalidArgument("ATTESTATION_TYPE_UNSUPPORTED",
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
