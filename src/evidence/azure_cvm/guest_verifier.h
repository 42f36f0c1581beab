// AzureGuestVerifier: POST /attest/AzureGuest, Azure guest attestation (azure-cvm.md §9.2,
// maa-real-clients.md §3). The evidence is the decoded AttestationInfo JSON. It composes the
// verifiers attestd already has, never copies them:
//
//  1. isolation evidence through VerifyIsolationEvidence (isolation_evidence.h: the SNP
//     verifier with VMPL 0, or DCAP for the TD quote), RunTimeData (the HCL variable data)
//     bound to its report_data; TrustedLaunch has none;
//  2. the AK: HCLAkPub of the bound variable data (AikPub, when sent, must be the same key;
//     an Azure vTPM AK certificate upgrades the trust, ak_trust.h); without isolation evidence
//     the AK must earn trust as for /attest/Tpm (AikCert to a configured root, or a registered
//     key);
//  3. the vTPM quote over TpmInfo.PCRs with empty qualifying data, PcrSet = the quoted PCRs;
//  4. the TCG log, when sent, replayed against the quoted PCRs;
//  5. EncKeyPub certified by the AK and bound by PolicyPCR to the quoted PCRs (certify.h).
//
// Claims: `azurevm` token claims (docs/claims.md): x-ms-azurevm-*, secureboot, the nested
// x-ms-isolation-tee, and x-ms-runtime {client-payload, keys:[TpmEphemeralEncryptionKey]}: the
// route seals its answer to that key. Thread-safe.
#pragma once

#include <memory>

#include "evidence/tpm/tpm_options.h"
#include "evidence/verifier.h"
#include "evidence/verifier_config.h"
#include "crypto/openssl_ptr.h"
#include <nlohmann/json.hpp>

namespace attest::evidence::azure_cvm {

// kid of the sealing key in x-ms-runtime.keys (as MAA names it).
inline constexpr char kEphemeralKeyKid[] = "TpmEphemeralEncryptionKey";

class AzureGuestVerifier final : public Verifier {
 public:
  explicit AzureGuestVerifier(const VerifierConfig& config);
  StatusOr<claims::ClaimSet> Verify(const Evidence& evidence,
                                    const VerifyContext& context) const override;

 private:
  tpm::TpmOptions tpm_;
  DcapOptions dcap_;
};

// The RSA public key the answer must be sealed to, from a token's claims (x-ms-runtime.keys,
// kid TpmEphemeralEncryptionKey); nullptr when absent or unusable.
crypto::EvpPkeyPtr SealingKeyFromClaims(const nlohmann::json& token_claims);

// The AzureGuest answer (registry.h AnswerSealer): `token` (a JWT this server issued from
// verified evidence, so its x-ms-runtime.keys is the certified, PCR-bound key) sealed to that
// key, sealed_answer.h. kInternal when the token has no such key.
StatusOr<std::string> SealAnswerToAttestedKey(const std::string& token);

inline constexpr std::string_view kAzureGuestClaimsSupported[] = {
    "x-ms-azurevm-attestation-protocol-ver", "x-ms-azurevm-attested-pcrs",
    "x-ms-azurevm-is-windows", "x-ms-azurevm-ostype", "x-ms-azurevm-osdistro",
    "x-ms-azurevm-osversion-major", "x-ms-azurevm-osversion-minor", "x-ms-azurevm-osbuild",
    "x-ms-azurevm-vmid", "x-ms-isolation-tee", "secureboot", "x-ms-runtime"};

}  // namespace attest::evidence::azure_cvm
