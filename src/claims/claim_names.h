// Every claim name attestd emits, in one place. Names follow MAA (spec/maa-tokens.md);
// attestd's own additions carry the `x-attestd-` prefix. docs/claims.md documents them.
#pragma once

#include <string_view>

namespace attest::claims {

// Common (all TEE types).
inline constexpr std::string_view kAttestationType = "x-ms-attestation-type";
inline constexpr std::string_view kVer = "x-ms-ver";
inline constexpr std::string_view kPolicyHash = "x-ms-policy-hash";
inline constexpr std::string_view kPolicySigner = "x-ms-policy-signer";
inline constexpr std::string_view kPolicy = "x-ms-policy";
inline constexpr std::string_view kNonce = "nonce";
inline constexpr std::string_view kRuntime = "x-ms-runtime";
inline constexpr std::string_view kInitTime = "x-ms-inittime";

// SGX and Open Enclave (spec/maa-tokens.md §3.1).
inline constexpr std::string_view kSgxIsDebuggable = "x-ms-sgx-is-debuggable";
inline constexpr std::string_view kSgxMrEnclave = "x-ms-sgx-mrenclave";
inline constexpr std::string_view kSgxMrSigner = "x-ms-sgx-mrsigner";
inline constexpr std::string_view kSgxProductId = "x-ms-sgx-product-id";
inline constexpr std::string_view kSgxSvn = "x-ms-sgx-svn";
inline constexpr std::string_view kSgxReportData = "x-ms-sgx-report-data";
inline constexpr std::string_view kSgxEhd = "x-ms-sgx-ehd";
inline constexpr std::string_view kSgxCollateral = "x-ms-sgx-collateral";
inline constexpr std::string_view kSgxConfigId = "x-ms-sgx-config-id";
inline constexpr std::string_view kSgxConfigSvn = "x-ms-sgx-config-svn";
inline constexpr std::string_view kSgxIsvExtendedProductId = "x-ms-sgx-isv-extended-product-id";
inline constexpr std::string_view kSgxIsvFamilyId = "x-ms-sgx-isv-family-id";

// TDX (spec/maa-tokens.md §4.2).
inline constexpr std::string_view kEatProfile = "eat_profile";
inline constexpr std::string_view kDbgStat = "dbgstat";
inline constexpr std::string_view kIntUse = "intuse";
inline constexpr std::string_view kTdxMrSignerSeam = "tdx_mrsignerseam";
inline constexpr std::string_view kTdxMrSeam = "tdx_mrseam";
inline constexpr std::string_view kTdxMrTd = "tdx_mrtd";
inline constexpr std::string_view kTdxRtmr0 = "tdx_rtmr0";
inline constexpr std::string_view kTdxRtmr1 = "tdx_rtmr1";
inline constexpr std::string_view kTdxRtmr2 = "tdx_rtmr2";
inline constexpr std::string_view kTdxRtmr3 = "tdx_rtmr3";
inline constexpr std::string_view kTdxMrConfigId = "tdx_mrconfigid";
inline constexpr std::string_view kTdxMrOwner = "tdx_mrowner";
inline constexpr std::string_view kTdxMrOwnerConfig = "tdx_mrownerconfig";
inline constexpr std::string_view kTdxReportData = "tdx_report_data";
inline constexpr std::string_view kTdxSeamAttributes = "tdx_seam_attributes";
inline constexpr std::string_view kTdxTeeTcbSvn = "tdx_tee_tcb_svn";
inline constexpr std::string_view kTdxTeeTcbSvn2 = "tdx_tee_tcb_svn2";
inline constexpr std::string_view kTdxMrServiceTd = "tdx_mrservicetd";
inline constexpr std::string_view kTdxXfam = "tdx_xfam";
inline constexpr std::string_view kTdxSeamSvn = "tdx_seamsvn";
inline constexpr std::string_view kTdxTdAttributes = "tdx_td_attributes";
inline constexpr std::string_view kTdxTdAttributesDebug = "tdx_td_attributes_debug";
inline constexpr std::string_view kTdxTdAttributesKeyLocker = "tdx_td_attributes_key_locker";
inline constexpr std::string_view kTdxTdAttributesPerfmon = "tdx_td_attributes_perfmon";
inline constexpr std::string_view kTdxTdAttributesProtectionKeys =
    "tdx_td_attributes_protection_keys";
inline constexpr std::string_view kTdxTdAttributesSeptVeDisable =
    "tdx_td_attributes_septve_disable";

// AMD SEV-SNP (spec/maa-tokens.md §4.1). `familyId` and `imageId` are camel case in MAA.
inline constexpr std::string_view kSevSnpAuthorKeyDigest = "x-ms-sevsnpvm-authorkeydigest";
inline constexpr std::string_view kSevSnpBootloaderSvn = "x-ms-sevsnpvm-bootloader-svn";
inline constexpr std::string_view kSevSnpFamilyId = "x-ms-sevsnpvm-familyId";
inline constexpr std::string_view kSevSnpGuestSvn = "x-ms-sevsnpvm-guestsvn";
inline constexpr std::string_view kSevSnpHostData = "x-ms-sevsnpvm-hostdata";
inline constexpr std::string_view kSevSnpIdKeyDigest = "x-ms-sevsnpvm-idkeydigest";
inline constexpr std::string_view kSevSnpImageId = "x-ms-sevsnpvm-imageId";
inline constexpr std::string_view kSevSnpIsDebuggable = "x-ms-sevsnpvm-is-debuggable";
inline constexpr std::string_view kSevSnpLaunchMeasurement = "x-ms-sevsnpvm-launchmeasurement";
inline constexpr std::string_view kSevSnpMicrocodeSvn = "x-ms-sevsnpvm-microcode-svn";
inline constexpr std::string_view kSevSnpMigrationAllowed = "x-ms-sevsnpvm-migration-allowed";
inline constexpr std::string_view kSevSnpReportData = "x-ms-sevsnpvm-reportdata";
inline constexpr std::string_view kSevSnpReportId = "x-ms-sevsnpvm-reportid";
inline constexpr std::string_view kSevSnpSmtAllowed = "x-ms-sevsnpvm-smt-allowed";
inline constexpr std::string_view kSevSnpSnpFwSvn = "x-ms-sevsnpvm-snpfw-svn";
inline constexpr std::string_view kSevSnpTeeSvn = "x-ms-sevsnpvm-tee-svn";
inline constexpr std::string_view kSevSnpVmpl = "x-ms-sevsnpvm-vmpl";
// UVM endorsement outcome of an ACI confidential container (azure-cvm.md §10.3): attestd's
// own claim; the default SevSnpVm policy turns it into x-ms-compliance-status.
inline constexpr std::string_view kAttestdUvmEndorsement = "x-attestd-uvm-endorsement";
// attestd's SEV-SNP verdict object: product, signing key, chip id, TCB details, revocation.
inline constexpr std::string_view kAttestdSevSnp = "x-attestd-sevsnp";

// Azure confidential VMs (spec/azure-cvm.md, maa-tokens.md §4.4): the isolation TEE's claims
// as one object (SNP or TDX claims, x-ms-compliance-status, x-ms-runtime = HCL variable data).
inline constexpr std::string_view kIsolationTee = "x-ms-isolation-tee";
inline constexpr std::string_view kAzureVmVmId = "x-ms-azurevm-vmid";
// attestd's verdict on an Azure CVM (HCL header, each check, AK trust, isolation verdict).
inline constexpr std::string_view kAttestdAzureCvm = "x-attestd-azure-cvm";
// "verified" on SevSnpVm/TdxVm tokens whose runtime data is HCL variable data of an Azure CVM
// (evidence/azure_cvm/isolation_evidence.h IsAzureCompliantCvm); the default SevSnpVm and
// TdxVm policies turn it into x-ms-compliance-status "azure-compliant-cvm".
inline constexpr std::string_view kAttestdAzureCvmEvidence = "x-attestd-azure-cvm-evidence";

// TCB verdict of Intel DCAP evidence (SGX, OE, TDX). MAA names the converged status
// `attester_tcb_status` for TDX; attestd emits it for every DCAP type.
inline constexpr std::string_view kAttesterTcbStatus = "attester_tcb_status";
inline constexpr std::string_view kAttesterAdvisoryIds = "attester_advisory_ids";
// The detailed verdict object (fields named as vectors' `expected`, docs/claims.md).
inline constexpr std::string_view kAttestdTcb = "x-attestd-tcb";
// The verdict under Intel's early TCB info set (docs/collateral.md).
inline constexpr std::string_view kAttestdTcbEarly = "x-attestd-tcb-early";
// Where and when each collateral item came from (docs/collateral.md).
inline constexpr std::string_view kAttestdCollateralProvenance = "x-attestd-collateral-provenance";

// Legacy SGX claims MAA still emits at the top level of every SGX/OE token
// (spec/maa-tokens.md §3.1); values equal the x-ms-sgx-* claims they mirror.
inline constexpr std::string_view kLegacyIsDebuggable = "is-debuggable";
inline constexpr std::string_view kLegacyProductId = "product-id";
inline constexpr std::string_view kLegacySgxMrEnclave = "sgx-mrenclave";
inline constexpr std::string_view kLegacySgxMrSigner = "sgx-mrsigner";
inline constexpr std::string_view kLegacySvn = "svn";
inline constexpr std::string_view kLegacyTee = "tee";
inline constexpr std::string_view kLegacyAasEhd = "aas-ehd";
inline constexpr std::string_view kLegacyMaaEhd = "maa-ehd";
inline constexpr std::string_view kLegacyMaaAttestationCollateral = "maa-attestationcollateral";
// Compliance verdict issued by default policies (spec/maa-tokens.md §4.1).
inline constexpr std::string_view kComplianceStatus = "x-ms-compliance-status";
// Present when verification judged collateral and certificates at a configured time
// (attestd --collateral-time) instead of the real clock: RFC 3339 of that time.
inline constexpr std::string_view kAttestdCollateralTime = "x-attestd-collateral-time";
// `true` in tokens answering draftPolicyForAttestation (unsigned, alg none), so a relying
// party that logs tokens can tell a draft result apart even when it ignores `alg`.
inline constexpr std::string_view kAttestdDraft = "x-attestd-draft";

}  // namespace attest::claims
