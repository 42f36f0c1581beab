// attestctl policy: compile and evaluate MAA attestation policies offline.
//
//   attestctl policy check FILE
//       Compiles the policy. Prints {"valid":true} (exit 0) or
//       {"valid":false,"error":{"reason","line","column","message"}} (exit 2) and, on stderr,
//       FILE:line:column: message.
//   attestctl policy eval --policy FILE --claims FILE
//       Claims file: a JSON object of incoming claims {"type": value}; an array value means
//       several claims of that type; every claim has issuer AttestationService. Prints
//       {"permitted":bool,"claims":{...issued...}}; exit 0 permitted, 1 denied, 2 policy error,
//       unreadable file or usage error.
#include <charconv>
#include <iostream>
#include <memory>
#include <string>

#include "base/file.h"
#include "base/reasons.h"
#include "cli/commands.h"
#include "policy/policy.h"

namespace attest::cli {
namespace {

constexpr size_t kMaxPolicyFileBytes = 1 << 20;   // larger than the compile limit: it reports
constexpr size_t kMaxClaimsFileBytes = 16 << 20;  // claims may carry TPM event logs

struct PolicyFlags {
  std::string policy_file;
  std::string claims_file;
};

// Keys in the order written (e.g. "permitted" before "claims").
std::string Dump(const nlohmann::ordered_json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// {"reason","line","column","message"} of a policy error; line/column when the message
// starts with "line:col: ".
nlohmann::ordered_json ErrorJson(const Status& status) {
  nlohmann::ordered_json error = {{"reason", status.reason()}, {"message", status.message()}};
  const std::string& m = status.message();
  int line = 0, column = 0;
  auto [p1, ec1] = std::from_chars(m.data(), m.data() + m.size(), line);
  if (ec1 == std::errc() && p1 < m.data() + m.size() && *p1 == ':') {
    auto [p2, ec2] = std::from_chars(p1 + 1, m.data() + m.size(), column);
    if (ec2 == std::errc() && p2 < m.data() + m.size() && *p2 == ':') {
      error["line"] = line;
      error["column"] = column;
      // Keep message last for readability.
      nlohmann::ordered_json message = error["message"];
      error.erase("message");
      error["message"] = std::move(message);
    }
  }
  return error;
}

int FileError(const std::string& path, const Status& status) {
  std::cerr << "attestctl: " << path << ": " << status.message() << "\n";
  return 2;
}

int RunCheck(const PolicyFlags& flags) {
  auto text = ReadFileText(flags.policy_file, kMaxPolicyFileBytes);
  if (!text.has_value()) return FileError(flags.policy_file, text.error());
  auto compiled = policy::CompilePolicy(*text);
  if (!compiled.has_value()) {
    std::cout << Dump({{"valid", false}, {"error", ErrorJson(compiled.error())}}) << "\n";
    std::cerr << flags.policy_file << ":" << compiled.error().message() << "\n";
    return 2;
  }
  std::cout << Dump({{"valid", true}}) << "\n";
  return 0;
}

// {"type": value | [values]} -> incoming claims with issuer AttestationService.
StatusOr<claims::ClaimSet> ParseClaimsFile(const std::string& text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Err(Status::InvalidArgument(reason::kInvalidClaimsFile,
                                       "the claims file must be a JSON object {\"type\": value}"));
  }
  claims::ClaimSet incoming;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.value().is_array()) {
      for (const nlohmann::json& v : it.value()) incoming.Add(it.key(), v);
    } else {
      incoming.Add(it.key(), it.value());
    }
  }
  return incoming;
}

int RunEval(const PolicyFlags& flags) {
  auto text = ReadFileText(flags.policy_file, kMaxPolicyFileBytes);
  if (!text.has_value()) return FileError(flags.policy_file, text.error());
  auto claims_text = ReadFileText(flags.claims_file, kMaxClaimsFileBytes);
  if (!claims_text.has_value()) return FileError(flags.claims_file, claims_text.error());
  auto incoming = ParseClaimsFile(*claims_text);
  if (!incoming.has_value()) return FileError(flags.claims_file, incoming.error());

  auto compiled = policy::CompilePolicy(*text);
  if (!compiled.has_value()) {
    std::cout << Dump({{"error", ErrorJson(compiled.error())}}) << "\n";
    std::cerr << flags.policy_file << ":" << compiled.error().message() << "\n";
    return 2;
  }
  auto result = policy::Evaluate(*compiled, *incoming);
  if (!result.has_value()) {
    std::cout << Dump({{"error", ErrorJson(result.error())}}) << "\n";
    std::cerr << flags.policy_file << ":" << result.error().message() << "\n";
    return 2;
  }
  std::cout << Dump({{"permitted", result->permitted},
                     {"claims", nlohmann::ordered_json(result->issued.ToJsonObject())}})
            << "\n";
  if (!result->permitted) {
    std::cerr << result->deny_message << "\n";
    return 1;
  }
  return 0;
}

}  // namespace

void RegisterPolicyCommand(CLI::App& app, int* exit_code) {
  CLI::App* policy = app.add_subcommand("policy", "Compile and evaluate attestation policies");
  policy->require_subcommand(1);
  auto flags = std::make_shared<PolicyFlags>();

  CLI::App* check = policy->add_subcommand(
      "check", "Compile a policy; print {\"valid\":true} or the error with line:column");
  check->add_option("file", flags->policy_file, "Policy text file")->required();
  check->callback([flags, exit_code] { *exit_code = RunCheck(*flags); });

  CLI::App* eval = policy->add_subcommand(
      "eval", "Evaluate a policy over incoming claims; print the decision and issued claims");
  eval->add_option("--policy", flags->policy_file, "Policy text file")->required();
  eval->add_option("--claims", flags->claims_file,
                   "JSON object of incoming claims {\"type\": value}; an array value is several "
                   "claims of that type")
      ->required();
  eval->callback([flags, exit_code] { *exit_code = RunEval(*flags); });
}

}  // namespace attest::cli
