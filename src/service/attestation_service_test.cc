#include "service/attestation_service.h"

#include <gtest/gtest.h>

#include "base/encoding.h"
#include "claims/claim_names.h"
#include "policy/default_policies.h"
#include "policy/policy.h"
#include "token/jws.h"

namespace attest::service {
namespace {

using policy::PolicyHash;

using evidence::AttestationType;
using evidence::BoundData;

// Returns fixed SGX claims; records what it was given.
class FakeVerifier final : public evidence::Verifier {
 public:
  StatusOr<claims::ClaimSet> Verify(const evidence::Evidence& ev,
                                    const evidence::VerifyContext& ctx) const override {
    seen_time = ctx.clock.Now();
    seen_runtime = ev.runtime_data.has_value();
    if (ev.blob.empty()) return Err(Status::InvalidEvidence("QUOTE_TRUNCATED", "empty"));
    claims::ClaimSet out;
    out.Add(claims::kSgxIsDebuggable, false);
    out.Add(claims::kSgxMrEnclave, std::string(64, 'a'));
    out.Add(claims::kSgxMrSigner, std::string(64, 'b'));
    out.Add(claims::kSgxProductId, 3);
    out.Add(claims::kSgxSvn, 7);
    out.Add(claims::kSgxCollateral, {{"quotehash", "00"}});
    return out;
  }
  mutable UnixTime seen_time = 0;
  mutable bool seen_runtime = false;
};

class DenyAll final : public PolicyEvaluator {
 public:
  StatusOr<PolicyDecision> Evaluate(AttestationType, const claims::ClaimSet&) const override {
    PolicyDecision d;
    d.policy_text = "deny";
    return d;
  }
};

class AttestationServiceTest : public ::testing::Test {
 protected:
  AttestationServiceTest()
      : key_(*token::SigningKey::Generate("https://attest.example")),
        token_clock_(1800000000),
        verify_clock_(1700000000),
        issuer_(key_, "https://attest.example", token_clock_),
        collateral_(nullptr) {}

  AttestationServiceOptions Options(std::optional<UnixTime> override_time = std::nullopt) {
    AttestationServiceOptions o;
    o.verification_clock = &verify_clock_;
    o.collateral_time_override = override_time;
    o.collateral = &collateral_;
    o.find_verifier = [this](AttestationType t) -> const evidence::Verifier* {
      return t == AttestationType::kTpm ? nullptr : &verifier_;
    };
    return o;
  }

  nlohmann::json Payload(const std::string& token) {
    auto parsed = token::VerifyCompactJwsRs256(token, key_.public_key());
    EXPECT_TRUE(parsed.has_value());
    return parsed.has_value() ? parsed->payload : nlohmann::json();
  }

  token::SigningKey key_;
  FixedClock token_clock_;
  FixedClock verify_clock_;
  token::TokenIssuer issuer_;
  collateral::StaticCollateralProvider collateral_;
  FakeVerifier verifier_;
  DefaultPolicyEvaluator default_policy_;
};

TEST(PolicyHashTest, DefaultSgxPolicyHashMatchesMaa) {
  // spec/maa-tokens.md §5 test vector.
  auto text = DefaultPolicyEvaluator::DefaultPolicyText(AttestationType::kSgxEnclave);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(PolicyHash(*text), "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw");
}

// Each type's default policy is the one MAA serves for it (spec/maa-policy-language.md §8):
// the published SGX text for SGX and Open Enclave, permit-all where none is published (SNP and
// TDX add the Azure compliance claims).
TEST(PolicyHashTest, RegistryDefaultPoliciesAreTheSpecTexts) {
  for (AttestationType t : {AttestationType::kSgxEnclave, AttestationType::kOpenEnclave}) {
    EXPECT_EQ(DefaultPolicyEvaluator::DefaultPolicyText(t), policy::kMaaSgxDefaultPolicy);
  }
  EXPECT_EQ(DefaultPolicyEvaluator::DefaultPolicyText(AttestationType::kSevSnpVm),
            policy::kSevSnpDefaultPolicy);
  EXPECT_EQ(DefaultPolicyEvaluator::DefaultPolicyText(AttestationType::kTdxVm),
            policy::kTdxDefaultPolicy);
  EXPECT_EQ(DefaultPolicyEvaluator::DefaultPolicyText(AttestationType::kTpm),
            policy::kPermitAllPolicy);
  EXPECT_FALSE(DefaultPolicyEvaluator::DefaultPolicyText(AttestationType::kKeyGuard).has_value());
}

// Without a find_verifier hook the service builds its verifiers from the registry and its
// VerifierConfig: SGX evidence reaches the real SGX verifier, an MAA type without a
// verifier is refused as unsupported (400), before any verification.
TEST_F(AttestationServiceTest, BuildsVerifiersFromTheRegistry) {
  AttestationServiceOptions o = Options();
  o.find_verifier = nullptr;
  AttestationService service(o, default_policy_, issuer_);
  AttestationRequest sgx;
  sgx.evidence = {1, 2, 3};
  auto r1 = service.Attest(sgx);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().code(), StatusCode::kInvalidEvidence) << r1.error().ToString();
  AttestationRequest tpm;
  tpm.type = AttestationType::kTpm;
  tpm.evidence = {1, 2, 3};
  auto r2 = service.Attest(tpm);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED");
}

TEST_F(AttestationServiceTest, SgxTokenCarriesMaaClaimSetWithBinaryRuntimeData) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1, 2, 3};
  req.runtime_data = BoundData{{'h', 'i'}, BoundData::Kind::kBinary};
  req.nonce = "1234";
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  nlohmann::json p = Payload(*token);
  EXPECT_TRUE(verifier_.seen_runtime);
  EXPECT_EQ(verifier_.seen_time, 1700000000);
  EXPECT_EQ(p["iat"], 1800000000);  // tokens keep the issuer's clock
  EXPECT_EQ(p["x-ms-attestation-type"], "sgx");
  EXPECT_EQ(p["x-ms-ver"], "1.0");
  EXPECT_EQ(p["x-ms-policy-hash"], "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw");
  EXPECT_EQ(p["nonce"], "1234");
  EXPECT_EQ(p["x-ms-sgx-ehd"], "aGk");
  EXPECT_EQ(p["aas-ehd"], "aGk");
  EXPECT_EQ(p["maa-ehd"], "aGk");
  EXPECT_FALSE(p.contains("x-ms-runtime"));
  EXPECT_EQ(p["tee"], "sgx");
  EXPECT_EQ(p["svn"], 7);
  EXPECT_EQ(p["product-id"], 3);
  EXPECT_EQ(p["is-debuggable"], false);
  EXPECT_EQ(p["sgx-mrenclave"], std::string(64, 'a'));
  EXPECT_EQ(p["maa-attestationcollateral"], p["x-ms-sgx-collateral"]);
  nlohmann::json expected_policy = {{"is-debuggable", false}, {"sgx-mrsigner", std::string(64, 'b')},
                                    {"sgx-mrenclave", std::string(64, 'a')}, {"product-id", 3},
                                    {"svn", 7}, {"tee", "sgx"}};
  EXPECT_EQ(p["x-ms-policy"], expected_policy);
  EXPECT_FALSE(p.contains("x-attestd-collateral-time"));
}

TEST_F(AttestationServiceTest, JsonRuntimeDataBecomesXMsRuntimeWithoutEhd) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1};
  std::string json = R"({"keys":[{"kid":"k"}],"n":1})";
  req.runtime_data = BoundData{ToBytes(json), BoundData::Kind::kJson};
  req.init_time_data = BoundData{ToBytes(std::string_view("[true]")), BoundData::Kind::kJson};
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  nlohmann::json p = Payload(*token);
  EXPECT_EQ(p["x-ms-runtime"], nlohmann::json::parse(json));
  EXPECT_EQ(p["x-ms-inittime"], nlohmann::json::parse("[true]"));
  EXPECT_FALSE(p.contains("x-ms-sgx-ehd"));
  EXPECT_FALSE(p.contains("aas-ehd"));
}

TEST_F(AttestationServiceTest, InvalidJsonRuntimeDataIsRejectedBeforeVerification) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1};
  req.runtime_data = BoundData{ToBytes(std::string_view("{nope")), BoundData::Kind::kJson};
  auto token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(token.error().reason(), "INVALID_RUNTIME_DATA_JSON");
  EXPECT_FALSE(verifier_.seen_runtime);
}

TEST_F(AttestationServiceTest, CollateralTimeOverrideIsStatedInTheToken) {
  AttestationService service(Options(1700000000), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1};
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value());
  nlohmann::json p = Payload(*token);
  EXPECT_EQ(p["x-attestd-collateral-time"], "2023-11-14T22:13:20Z");
  EXPECT_EQ(p["iat"], 1800000000);
}

TEST_F(AttestationServiceTest, FailuresNeverYieldAToken) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest bad_evidence;  // empty blob: the fake verifier rejects it
  auto r1 = service.Attest(bad_evidence);
  ASSERT_FALSE(r1.has_value());
  EXPECT_EQ(r1.error().reason(), "QUOTE_TRUNCATED");

  AttestationRequest draft;
  draft.evidence = {1};
  draft.draft_policy = "version=1.0; authorizationrules{ => permit( };";
  auto r2 = service.Attest(draft);
  ASSERT_FALSE(r2.has_value());
  EXPECT_EQ(r2.error().reason(), "POLICY_SYNTAX_ERROR");

  AttestationRequest tpm;
  tpm.type = AttestationType::kTpm;
  tpm.evidence = {1};
  auto r3 = service.Attest(tpm);
  ASSERT_FALSE(r3.has_value());
  // maa-real-clients.md §6: an MAA type attestd does not verify is a bad request (400).
  EXPECT_EQ(r3.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r3.error().reason(), "ATTESTATION_TYPE_UNSUPPORTED");

  DenyAll deny;
  AttestationService denying(Options(), deny, issuer_);
  AttestationRequest ok;
  ok.evidence = {1};
  auto r4 = denying.Attest(ok);
  ASSERT_FALSE(r4.has_value());
  EXPECT_EQ(r4.error().reason(), "POLICY_DENIED");
}

TEST_F(AttestationServiceTest, TdxTokenHasTopLevelClaimsAndNoSgxLegacyClaims) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  req.runtime_data = BoundData{{1, 2}, BoundData::Kind::kBinary};
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value());
  nlohmann::json p = Payload(*token);
  EXPECT_EQ(p["x-ms-attestation-type"], "tdxvm");
  EXPECT_FALSE(p.contains("x-ms-policy"));
  EXPECT_FALSE(p.contains("tee"));
  EXPECT_FALSE(p.contains("x-ms-sgx-ehd"));
  EXPECT_EQ(p["x-ms-policy-hash"], PolicyHash(policy::kTdxDefaultPolicy));
  EXPECT_FALSE(p.contains("x-ms-compliance-status"));  // not an Azure CVM's runtime data
}

}  // namespace
}  // namespace attest::service

namespace attest::service {
namespace {

TEST_F(AttestationServiceTest, DraftPolicyIsEvaluatedAndAnsweredUnsigned) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1, 2, 3};
  const std::string draft =
      "version=1.0; authorizationrules{=> permit();}; issuancerules{"
      "c:[type==\"x-ms-attestation-type\"] => issue(type=\"draft-tee\", value=c.value);};";
  req.draft_policy = draft;
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  ASSERT_TRUE(token->ends_with("."));
  auto parsed = token::ParseCompactJws(*token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->header, nlohmann::json({{"alg", "none"}}));
  EXPECT_EQ(parsed->payload["x-ms-policy"]["draft-tee"], "sgx");
  EXPECT_EQ(parsed->payload["x-ms-policy-hash"], PolicyHash(draft));

  req.draft_policy = "version=1.0; authorizationrules{=> deny();};";
  auto denied = service.Attest(req);
  ASSERT_FALSE(denied.has_value());
  EXPECT_EQ(denied.error().reason(), "POLICY_DENIED");
}


// Issue 8 finding 12.
TEST_F(AttestationServiceTest, DraftTokensSayTheyAreDrafts) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1};
  auto normal = service.Attest(req);
  ASSERT_TRUE(normal.has_value());
  EXPECT_FALSE(Payload(*normal).contains("x-attestd-draft"));

  req.draft_policy = "version=1.0; authorizationrules{=> permit();};";
  auto draft = service.Attest(req);
  ASSERT_TRUE(draft.has_value()) << draft.error().ToString();
  auto parsed = token::ParseCompactJws(*draft);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->payload["x-attestd-draft"], true);
}

// Issue 8 finding 8: on TDX a policy cannot replace the verifier's or the service's claims.
TEST_F(AttestationServiceTest, TdxPolicyCannotReplaceVerifierClaimsStatically) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  for (const char* name : {"x-ms-attestation-type", "tdx_mrtd", "x-ms-policy-hash", "nonce"}) {
    req.draft_policy = std::string("version=1.0; authorizationrules{=> permit();};\n") +
                       "issuancerules{ => issue(type=\"" + name + "\", value=\"forged\");};";
    auto token = service.Attest(req);
    ASSERT_FALSE(token.has_value()) << name;
    EXPECT_EQ(token.error().reason(), "POLICY_TYPE_ERROR") << name;
    EXPECT_EQ(token.error().message(),
              "2:30: claim '" + std::string(name) +
                  "' is produced by the verifier or the service for this attestation type; a "
                  "policy cannot issue it (issue a new name)");
  }
}

TEST_F(AttestationServiceTest, TdxPolicyCannotReplaceVerifierClaimsWhenEvaluated) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  req.draft_policy =
      "version=1.2; authorizationrules{=> permit();}; issuancerules{\n"
      "=> issue(type=AppendString(\"x-ms-attestation-\", \"type\"), value=\"sgx\");};";
  auto token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(token.error().message(),
            "2:4: claim 'x-ms-attestation-type' is produced by the verifier or the service; a "
            "policy cannot issue it with another value (issue a new name)");
}

// MAA's TPM policies issue the verifier's inputs into the token themselves
// (`c:[type=="aikValidated", issuer=="AttestationService"] => issue(type="aikValidated",
// value=c.value)`): attestd accepts such a policy, keeps refusing another value, and lets a
// policy issue one the verifier did not produce.
TEST_F(AttestationServiceTest, TpmPolicyMayReissueMaaTpmInputsWithTheVerifiersValue) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTpm;
  claims::ClaimSet incoming;
  incoming.Add("aikValidated", false);
  incoming.Add("secureBootEnabled", true);
  incoming.Add("x-ms-tpm-ak-trust", "as-presented");
  incoming.Add("events", {{"Events", {{{"PcrIndex", 7}}, {{"PcrIndex", 8}}}}});
  req.draft_policy =
      "version=1.2; authorizationrules{=> permit();}; issuancerules{\n"
      "c:[type==\"aikValidated\", issuer==\"AttestationService\"] => issue(type=\"aikValidated\", value=c.value);\n"
      "c:[type==\"events\"] => issue(type=\"eventCount\", value=JsonToClaimValue(JmesPath(c.value, \"length(Events)\")));\n"
      "c:[type==\"secureBootEnabled\"] => issue(type=\"secureBootEnabled\", value=true);\n"
      "=> issue(type=\"bootDebuggingDisabled\", value=true);};";
  auto body = service.BuildTokenClaims(req, incoming);
  ASSERT_TRUE(body.has_value()) << body.error().ToString();
  EXPECT_EQ((*body)["aikValidated"], false);
  EXPECT_EQ((*body)["secureBootEnabled"], true);
  EXPECT_EQ((*body)["bootDebuggingDisabled"], true);  // the verifier produced none
  // The event model is a policy input only (registry.h, policy_only_claims).
  EXPECT_EQ((*body)["eventCount"], 2);
  EXPECT_FALSE(body->contains("events"));

  req.draft_policy =
      "version=1.2; authorizationrules{=> permit();}; issuancerules{\n"
      "=> issue(type=\"secureBootEnabled\", value=false);};";
  auto forged = service.BuildTokenClaims(req, incoming);
  ASSERT_FALSE(forged.has_value());
  EXPECT_EQ(forged.error().reason(), "POLICY_EVALUATION_ERROR");

  // attestd's own verdict claims stay reserved when the policy is set.
  req.draft_policy =
      "version=1.2; authorizationrules{=> permit();}; issuancerules{\n"
      "=> issue(type=\"x-ms-tpm-ak-trust\", value=\"certificate\");};";
  auto verdict = service.BuildTokenClaims(req, incoming);
  ASSERT_FALSE(verdict.has_value());
  EXPECT_EQ(verdict.error().reason(), "POLICY_TYPE_ERROR");
}

// A protocol's configuration check sees what the policy's configuration rules set, and its
// refusal stops the token.
TEST_F(AttestationServiceTest, ConfigurationCheckSeesThePolicysConfigurationRules) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTpm;
  req.draft_policy =
      "version=1.2; configurationrules{ => issueproperty(type=\"required_pcr_mask\", value=255); };"
      " authorizationrules{=> permit();}; issuancerules{};";
  std::optional<claims::ClaimSet> seen;
  auto body = service.BuildTokenClaims(req, claims::ClaimSet(), [&](const claims::ClaimSet& p) {
    seen = p;
    return Status::InvalidEvidence("TPM_REQUIRED_PCRS_MISSING", "PCR 3 of the required PCR mask is not quoted");
  });
  ASSERT_FALSE(body.has_value());
  EXPECT_EQ(body.error().reason(), "TPM_REQUIRED_PCRS_MISSING");
  ASSERT_TRUE(seen.has_value());
  ASSERT_NE(seen->FindValue("required_pcr_mask"), nullptr);
  EXPECT_EQ(*seen->FindValue("required_pcr_mask"), 255);
}

// The configuration rule report_validity_in_minutes sets the token lifetime.
TEST_F(AttestationServiceTest, ReportValidityInMinutesSetsTheTokenLifetime) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  req.draft_policy =
      "version=1.2; configurationrules{ => issueproperty(type=\"report_validity_in_minutes\", value=5); };"
      " authorizationrules{=> permit();}; issuancerules{};";
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  auto parsed = token::ParseCompactJws(*token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->payload["exp"].get<int64_t>() - parsed->payload["iat"].get<int64_t>(), 300);

  req.draft_policy =
      "version=1.2; authorizationrules{=> permit();}; issuancerules{};";
  token = service.Attest(req);
  ASSERT_TRUE(token.has_value());
  parsed = token::ParseCompactJws(*token);
  EXPECT_EQ(parsed->payload["exp"].get<int64_t>() - parsed->payload["iat"].get<int64_t>(), 28800);

  req.draft_policy =
      "version=1.2; configurationrules{ => issueproperty(type=\"report_validity_in_minutes\", value=0); };"
      " authorizationrules{=> permit();}; issuancerules{};";
  token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().reason(), "POLICY_EVALUATION_ERROR");
}

TEST_F(AttestationServiceTest, TdxPolicyMayIssueNewNamesAndComplianceStatus) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  req.draft_policy =
      "version=1.0; authorizationrules{=> permit();}; issuancerules{"
      "=> issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-cvm\");"
      "c:[type==\"x-ms-attestation-type\"] => issue(claim=c);};";
  auto token = service.Attest(req);
  ASSERT_TRUE(token.has_value()) << token.error().ToString();
  auto parsed = token::ParseCompactJws(*token);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->payload["x-ms-compliance-status"], "azure-compliant-cvm");
  EXPECT_EQ(parsed->payload["x-ms-attestation-type"], "tdxvm");
}

// A name known only from this request's incoming claims is checked by value when evaluated.
TEST_F(AttestationServiceTest, IncomingClaimNameMayBeReissuedOnlyWithItsOwnValue) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;  // the fake verifier's x-ms-sgx-* claims are incoming
  req.evidence = {1};
  req.draft_policy =
      "version=1.0; authorizationrules{=> permit();}; issuancerules{"
      "c:[type==\"x-ms-sgx-mrenclave\"] => issue(type=\"x-ms-sgx-mrenclave\", value=c.value);};";
  auto same = service.Attest(req);
  ASSERT_TRUE(same.has_value()) << same.error().ToString();

  req.draft_policy =
      "version=1.0; authorizationrules{=> permit();}; issuancerules{\n"
      "=> issue(type=\"x-ms-sgx-mrenclave\", value=\"forged\");};";
  auto forged = service.Attest(req);
  ASSERT_FALSE(forged.has_value());
  EXPECT_EQ(forged.error().reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(forged.error().message(),
            "2:4: claim 'x-ms-sgx-mrenclave' is produced by the verifier or the service; a "
            "policy cannot issue it with another value (issue a new name)");
}

// An evaluator that does not apply the engine's check: the token composition refuses anyway.
class ForgingEvaluator final : public PolicyEvaluator {
 public:
  StatusOr<PolicyDecision> Evaluate(AttestationType, const claims::ClaimSet&) const override {
    PolicyDecision d;
    d.permitted = true;
    d.policy_text = "forging";
    d.issued.Add("x-ms-attestation-type", "sgx", "AttestationPolicy");
    return d;
  }
};

TEST_F(AttestationServiceTest, TokenCompositionRefusesAReplacedVerifierClaim) {
  ForgingEvaluator forging;
  AttestationService service(Options(), forging, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  auto token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().reason(), "POLICY_EVALUATION_ERROR");
  EXPECT_EQ(token.error().message(),
            "claim 'x-ms-attestation-type' is produced by the verifier or the service; a "
            "policy cannot replace it");
}

// Issue 8 finding 4: the token as a whole is capped too.
TEST_F(AttestationServiceTest, OversizedTokenIsRefused) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.evidence = {1};
  std::string json = "{\"blob\":\"" + std::string(300 * 1024, 'x') + "\"}";
  req.runtime_data = BoundData{ToBytes(json), BoundData::Kind::kJson};
  auto token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(token.error().reason(), "TOKEN_TOO_LARGE");
}

TEST_F(AttestationServiceTest, DraftPolicyBombsAreRefusedAsPolicyLimits) {
  AttestationService service(Options(), default_policy_, issuer_);
  AttestationRequest req;
  req.type = AttestationType::kTdxVm;
  req.evidence = {1};
  std::string q;
  for (int i = 0; i < 23; ++i) q += "[@,@]|";
  req.draft_policy = "version=1.2; authorizationrules{=> permit();}; issuancerules{"
                     "=> issue(type=\"n\", value=JmesPath(\"1\", \"" + q + "length(@)\"));};";
  auto token = service.Attest(req);
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().reason(), "POLICY_LIMIT_EXCEEDED");
}

}  // namespace
}  // namespace attest::service
