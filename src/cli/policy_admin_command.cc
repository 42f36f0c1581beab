// attestctl policy sign|get|set|reset: policy documents and policy administration of an
// attestd/MAA provider (maa-rest-api.md §5, maa-tokens.md §6).
//
//   attestctl policy sign --policy FILE --key KEY.pem --cert CERT.pem      prints the JWS
//   attestctl policy get   --endpoint URL --type T [--jws]                  prints the policy
//   attestctl policy set   --endpoint URL --type T (--policy FILE | --document JWSFILE)
//                          [--signed --key KEY.pem --cert CERT.pem]        prints the result
//   attestctl policy reset --endpoint URL --type T [--signed --key K --cert C]
// Common: [--ca FILE] [--bearer TOKEN | $ATTESTCTL_BEARER] [--api-version V].
// Exit 0 ok, 1 the service refused or failed, 2 usage/local errors; errors print the
// envelope {"error":{"code","message","reason"}} on stderr.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "base/reasons.h"
#include "cli/admin_client.h"
#include "cli/commands.h"
#include "client/error_envelope.h"

namespace attest::cli {

constexpr size_t kMaxPolicyFileBytes = 1 << 20;

void AddConnectionOptions(CLI::App* cmd, AdminConnectionFlags& flags) {
  cmd->add_option("--endpoint", flags.endpoint, "Provider base URL (https://host[:port])")
      ->required();
  cmd->add_option("--ca", flags.ca_file, "PEM file of CA certificates to trust for TLS");
  cmd->add_option("--bearer", flags.bearer,
                  "Bearer token for management calls (default: $ATTESTCTL_BEARER)");
  cmd->add_option("--api-version", flags.api_version, "api-version (default 2020-10-01)");
}

StatusOr<std::unique_ptr<client::AttestationClient>> MakeAdminClient(
    const AdminConnectionFlags& flags) {
  client::AttestationClientOptions options;
  options.endpoint = flags.endpoint;
  options.ca_file = flags.ca_file;
  options.api_version = flags.api_version;
  options.bearer_token = flags.bearer;
  if (options.bearer_token.empty()) {
    if (const char* env = std::getenv("ATTESTCTL_BEARER"); env != nullptr) {
      options.bearer_token = env;
    }
  }
  return client::AttestationClient::Create(std::move(options));
}

StatusOr<client::PolicySigner> LoadSigner(const SignerFlags& flags) {
  if (flags.key_file.empty() || flags.cert_file.empty()) {
    return Err(
        Status::InvalidArgument(reason::kUsage, "signing needs --key KEY.pem and --cert CERT.pem"));
  }
  return client::PolicySigner::Load(flags.key_file, flags.cert_file);
}

int AdminFail(const Status& status, int exit_code) {
  std::cerr << client::ErrorEnvelopeJson(status) << "\n";
  return exit_code;
}

namespace {

struct PolicyAdminFlags {
  AdminConnectionFlags connection;
  SignerFlags signer;
  std::string type;
  std::string policy_file;
  std::string document_file;
  bool is_signed = false;
  bool print_jws = false;
};

// The signer when --signed was given (or implied by --key/--cert).
StatusOr<std::optional<client::PolicySigner>> OptionalSigner(const PolicyAdminFlags& f) {
  if (!f.is_signed && f.signer.key_file.empty() && f.signer.cert_file.empty()) {
    return std::optional<client::PolicySigner>();
  }
  ATTEST_ASSIGN_OR_RETURN(client::PolicySigner signer, LoadSigner(f.signer));
  return std::optional<client::PolicySigner>(std::move(signer));
}

int RunSign(const PolicyAdminFlags& f) {
  auto text = ReadFileText(f.policy_file, kMaxPolicyFileBytes);
  if (!text.has_value()) return AdminFail(text.error().WithContext("--policy"), 2);
  auto signer = LoadSigner(f.signer);
  if (!signer.has_value()) return AdminFail(signer.error(), 2);
  auto jws = client::BuildPolicyDocument(*text, &*signer);
  if (!jws.has_value()) return AdminFail(jws.error(), 1);
  std::cout << *jws << "\n";
  return 0;
}

int RunGet(const PolicyAdminFlags& f) {
  auto c = MakeAdminClient(f.connection);
  if (!c.has_value()) return AdminFail(c.error(), 2);
  auto policy = (*c)->GetPolicy(f.type);
  if (!policy.has_value()) return AdminFail(policy.error(), 1);
  std::cout << (f.print_jws ? policy->document : policy->text) << "\n";
  return 0;
}

int RunSet(const PolicyAdminFlags& f) {
  std::string document;
  if (!f.document_file.empty()) {
    auto jws = ReadFileText(f.document_file, kMaxPolicyFileBytes);
    if (!jws.has_value()) return AdminFail(jws.error().WithContext("--document"), 2);
    document = *jws;
    while (!document.empty() && (document.back() == '\n' || document.back() == '\r')) {
      document.pop_back();
    }
  } else {
    auto text = ReadFileText(f.policy_file, kMaxPolicyFileBytes);
    if (!text.has_value()) return AdminFail(text.error().WithContext("--policy"), 2);
    auto signer = OptionalSigner(f);
    if (!signer.has_value()) return AdminFail(signer.error(), 2);
    auto built = client::BuildPolicyDocument(*text, signer->has_value() ? &**signer : nullptr);
    if (!built.has_value()) return AdminFail(built.error(), 1);
    document = *built;
  }
  auto c = MakeAdminClient(f.connection);
  if (!c.has_value()) return AdminFail(c.error(), 2);
  auto result = (*c)->SetPolicy(f.type, document);
  if (!result.has_value()) return AdminFail(result.error(), 1);
  nlohmann::json out = {{"x-ms-policy-result", result->policy_result},
                        {"x-ms-policy-token-hash", result->token_hash},
                        {"policyTokenHashVerified", true}};
  if (result->signer.has_value()) out["x-ms-policy-signer"] = *result->signer;
  std::cout << out.dump() << "\n";
  return 0;
}

int RunReset(const PolicyAdminFlags& f) {
  auto signer = OptionalSigner(f);
  if (!signer.has_value()) return AdminFail(signer.error(), 2);
  auto document = client::BuildResetDocument(signer->has_value() ? &**signer : nullptr);
  if (!document.has_value()) return AdminFail(document.error(), 1);
  auto c = MakeAdminClient(f.connection);
  if (!c.has_value()) return AdminFail(c.error(), 2);
  auto result = (*c)->ResetPolicy(f.type, *document);
  if (!result.has_value()) return AdminFail(result.error(), 1);
  std::cout << nlohmann::json({{"x-ms-policy-result", result->policy_result}}).dump() << "\n";
  return 0;
}

void AddSignerOptions(CLI::App* cmd, PolicyAdminFlags& f, bool with_signed_flag) {
  if (with_signed_flag) {
    cmd->add_flag("--signed", f.is_signed, "Sign the document (needs --key and --cert)");
  }
  cmd->add_option("--key", f.signer.key_file, "Policy-management private key (PEM, RSA or P-256)");
  cmd->add_option("--cert", f.signer.cert_file, "Its certificate (PEM), sent in x5c");
}

}  // namespace

void RegisterPolicyAdminCommand(CLI::App& app, int* exit_code) {
  CLI::App* policy = nullptr;
  try {
    policy = app.get_subcommand("policy");
  } catch (const CLI::OptionNotFound&) {
    policy = app.add_subcommand("policy", "Attestation policies");
    policy->require_subcommand(1);
  }
  auto f = std::make_shared<PolicyAdminFlags>();

  CLI::App* sign = policy->add_subcommand(
      "sign", "Print a StoredAttestationPolicy JWS of a policy file, signed with KEY/CERT");
  sign->add_option("--policy", f->policy_file, "Policy text file")->required();
  AddSignerOptions(sign, *f, false);
  sign->callback([f, exit_code] { *exit_code = RunSign(*f); });

  CLI::App* get = policy->add_subcommand("get", "Print the policy in force for a type");
  AddConnectionOptions(get, f->connection);
  get->add_option("--type", f->type, "Attestation type (SgxEnclave, OpenEnclave, TdxVm, ...)")
      ->required();
  get->add_flag("--jws", f->print_jws, "Print the stored JWS instead of the policy text");
  get->callback([f, exit_code] { *exit_code = RunGet(*f); });

  CLI::App* set = policy->add_subcommand(
      "set", "Set the policy for a type; verifies x-ms-policy-token-hash against what was sent");
  AddConnectionOptions(set, f->connection);
  set->add_option("--type", f->type, "Attestation type")->required();
  auto* pol = set->add_option("--policy", f->policy_file, "Policy text file");
  auto* doc = set->add_option("--document", f->document_file,
                              "A ready StoredAttestationPolicy JWS (e.g. from policy sign)");
  pol->excludes(doc);
  AddSignerOptions(set, *f, true);
  set->callback([f, exit_code] {
    if (f->policy_file.empty() && f->document_file.empty()) {
      *exit_code =
          AdminFail(Status::InvalidArgument(reason::kUsage, "give --policy or --document"), 2);
      return;
    }
    *exit_code = RunSet(*f);
  });

  CLI::App* reset = policy->add_subcommand("reset", "Revert a type to its default policy");
  AddConnectionOptions(reset, f->connection);
  reset->add_option("--type", f->type, "Attestation type")->required();
  AddSignerOptions(reset, *f, true);
  reset->callback([f, exit_code] { *exit_code = RunReset(*f); });
}

}  // namespace attest::cli
