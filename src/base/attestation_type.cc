#include "base/attestation_type.h"

#include <iterator>
#include <string>

#include "base/reasons.h"
#include "base/strings.h"

namespace attest {
namespace {

constexpr std::string_view kSgxNames[] = {"sgx"};
constexpr std::string_view kOeNames[] = {"openenclave", "oe"};
constexpr std::string_view kTdxNames[] = {"tdx"};
constexpr std::string_view kSnpNames[] = {"snp", "sevsnp"};
constexpr std::string_view kTpmNames[] = {"tpm"};
constexpr std::string_view kAzureGuestNames[] = {"azureguest", "azure-guest"};

// spec/maa-rest-api.md §1.2, §2; maa-real-clients.md §1 (TdxVm 2023-04-01-preview,
// SevSnpVm and AzureGuest 2020-10-01, sent by Microsoft's CVM tools).
constexpr std::string_view kAllGaVersions[] = {"2020-10-01", "2022-08-01", "2022-09-01-preview",
                                               "2025-06-01"};
constexpr std::string_view kTdxVersions[] = {"2020-10-01", "2022-08-01", "2022-09-01-preview",
                                             "2023-04-01-preview", "2025-06-01"};

// Enum order. The api-version lists of SgxEnclave/OpenEnclave/Tpm/SevSnpVm/TdxVm accept
// every GA version as before (clients send any of them: request bodies do not change).
constexpr AttestationTypeVocabulary kTypes[] = {
    {AttestationType::kSgxEnclave, "SgxEnclave", kSgxNames, "quote", kAllGaVersions,
     "2022-08-01"},  // the first version with `nonce`
    {AttestationType::kOpenEnclave, "OpenEnclave", kOeNames, "report", kAllGaVersions,
     "2022-08-01"},
    {AttestationType::kTdxVm, "TdxVm", kTdxNames, "quote", kTdxVersions, "2025-06-01"},
    {AttestationType::kSevSnpVm, "SevSnpVm", kSnpNames, "report", kAllGaVersions, "2022-08-01"},
    {AttestationType::kTpm, "Tpm", kTpmNames, "", kAllGaVersions, "2022-08-01"},
    {AttestationType::kAzureGuest, "AzureGuest", kAzureGuestNames, "AttestationInfo",
     kAllGaVersions, "2025-06-01"},
    {AttestationType::kKeyGuard, "KeyGuard", {}, "", {}, ""},
    {AttestationType::kPluton, "Pluton", {}, "", {}, ""},
    {AttestationType::kMdepTz, "MdepTz", {}, "", {}, ""},
};

constexpr bool InEnumOrder() {
  for (size_t i = 0; i < std::size(kTypes); ++i) {
    if (static_cast<size_t>(kTypes[i].type) != i) return false;
  }
  return true;
}
static_assert(InEnumOrder(), "Vocabulary() indexes kTypes by enum value");
static_assert(std::size(kTypes) == static_cast<size_t>(AttestationType::kMdepTz) + 1);

}  // namespace

std::span<const AttestationTypeVocabulary> AttestationTypes() { return kTypes; }

const AttestationTypeVocabulary& Vocabulary(AttestationType type) {
  return kTypes[static_cast<size_t>(type)];
}

std::string_view AttestationTypeName(AttestationType type) { return Vocabulary(type).rest_name; }

const AttestationTypeVocabulary* FindByRestName(std::string_view name) {
  for (const AttestationTypeVocabulary& t : kTypes) {
    if (EqualsIgnoreCase(name, t.rest_name)) return &t;
  }
  return nullptr;
}

StatusOr<AttestationType> ParseAttestationType(std::string_view name) {
  if (const AttestationTypeVocabulary* t = FindByRestName(name)) return t->type;
  std::string expected;
  for (const AttestationTypeVocabulary& t : kTypes) {
    for (std::string_view cli : t.cli_names) {
      if (EqualsIgnoreCase(name, cli)) return t.type;
      expected += expected.empty() ? "" : ", ";
      expected += cli;
    }
  }
  return Err(Status::InvalidArgument(reason::kAttestationTypeUnknown,
                                     "unknown attestation type '" +
                                         std::string(name.substr(0, 64)) + "' (expected " +
                                         expected + " or an MAA type name)"));
}

}  // namespace attest
