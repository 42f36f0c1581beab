// The default attestation policies of MAA that attestd serves when a provider has none set, as
// exact bytes: x-ms-policy-hash is computed over them, so a changed byte changes every token.
// The registry (evidence/registry.cc) names one of these per attestation type; nothing else
// spells them.
#pragma once

#include <string_view>

namespace attest::policy {

// spec/maa-policy-language.md §8, "SGX and OpenEnclave, served by shared and newly created
// providers"; x-ms-policy-hash bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw.
inline constexpr std::string_view kMaaSgxDefaultPolicy =
    "version= 1.0;authorizationrules{=> permit();};issuancerules{"
    "c:[type==\"x-ms-sgx-is-debuggable\"] => issue(type=\"is-debuggable\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrsigner\"] => issue(type=\"sgx-mrsigner\", value=c.value);"
    "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"sgx-mrenclave\", value=c.value);"
    "c:[type==\"x-ms-sgx-product-id\"] => issue(type=\"product-id\", value=c.value);"
    "c:[type==\"x-ms-sgx-svn\"] => issue(type=\"svn\", value=c.value);"
    "c:[type==\"x-ms-attestation-type\"] => issue(type=\"tee\", value=c.value);};";

// spec §8: the defaults of the other types are not published; the recommended permit-all.
inline constexpr std::string_view kPermitAllPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{};";

// MAA's SevSnpVm default is not published (spec §8). attestd's permits every verified report
// and issues x-ms-compliance-status "azure-compliant-uvm" exactly when a Microsoft UVM
// endorsement verified and its launch measurement equals the report's (azure-cvm.md §10.3;
// maa-real-clients.md §5), and "azure-compliant-cvm" exactly when the report is an Azure CVM's
// platform evidence: runtime data that is HCL variable data with the vTPM key, bound to a
// non-debuggable report from VMPL 0 (x-attestd-azure-cvm-evidence, docs/claims.md).
inline constexpr std::string_view kSevSnpDefaultPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{"
    "c:[type==\"x-attestd-uvm-endorsement\", value==\"verified\"] => "
    "issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-uvm\");"
    "c:[type==\"x-attestd-azure-cvm-evidence\", value==\"verified\"] => "
    "issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-cvm\");};";

// MAA's TdxVm default is not published either: permit-all, plus "azure-compliant-cvm" for an
// Azure TDX CVM's platform evidence (HCL variable data bound to a non-debuggable TD quote).
inline constexpr std::string_view kTdxDefaultPolicy =
    "version=1.0; authorizationrules{=> permit();}; issuancerules{"
    "c:[type==\"x-attestd-azure-cvm-evidence\", value==\"verified\"] => "
    "issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-cvm\");};";

}  // namespace attest::policy
