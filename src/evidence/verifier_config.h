// VerifierConfig: everything a verifier is built from (registry.h VerifierFactory). Trust
// anchors per vendor and product, and one option block per TEE family, so that an option of
// one TEE never appears in another's interface. Plain data; copy freely.
#pragma once

#include "evidence/tpm/tpm_options.h"
#include "collateral/collateral_provider.h"
#include "evidence/trust_anchors.h"

namespace attest::evidence {

// Intel DCAP (SGX, Open Enclave, TDX: the shared core under evidence/dcap/).
struct DcapOptions {
  // Skip the PCK CRL check when no PCK CRL can be had (spec/intel-dcap.md §7.6). The
  // verdict then says pck_revocation_checked = false. Off by default.
  bool allow_missing_pck_crl = false;
  // Which TCB info / QE identity set verdicts use (PCS v4 `update=`, spec/intel-dcap.md §4.1).
  collateral::TcbUpdate tcb_update = collateral::TcbUpdate::kStandard;
  // With the standard set: also judge each quote by the early set and report that verdict as
  // the x-attestd-tcb-early claim (docs/collateral.md). The token's verdict stays standard.
  bool evaluate_early = false;
};

struct VerifierConfig {
  // The roots evidence must chain to, one member per vendor root (per product where a vendor
  // has several, e.g. AMD's ARK per Milan/Genoa/Turin). Verifiers read them from
  // VerifyContext::anchors, which the caller fills from here; tests pin their own.
  TrustAnchors anchors = TrustAnchors::Production();
  DcapOptions dcap;
  tpm::TpmOptions tpm;  // /attest/Tpm (evidence/tpm/)
  // A new TEE with options adds its block here (e.g. `SnpOptions snp;`).
};

}  // namespace attest::evidence
