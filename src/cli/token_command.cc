// attestctl token verify: validate an attestation token against its issuer's /certs.
//
//   attestctl token verify --endpoint URL [--ca FILE] [--issuer ISS] TOKEN|-
//
// Checks the RS256 signature with the /certs key named by the header kid, exp/nbf, and that
// iss equals the endpoint; prints the claims as JSON (exit 0). An invalid token prints the
// error envelope on stderr (exit 1); usage errors exit 2.
#include <iostream>
#include <iterator>
#include <memory>
#include <string>

#include "client/attestation_client.h"
#include "client/error_envelope.h"
#include "client/jwt.h"
#include "cli/commands.h"

namespace attest::cli {
namespace {

struct TokenVerifyFlags {
  std::string endpoint;
  std::string ca_file;
  std::string issuer;
  std::string token;
  int64_t clock_skew_seconds = 60;
};

int Fail(const Status& status, int exit_code) {
  std::cerr << client::ErrorEnvelopeJson(status) << "\n";
  return exit_code;
}

// Trims surrounding whitespace (tokens pasted from files end with a newline).
std::string Trim(std::string s) {
  const char* ws = " \t\r\n";
  size_t begin = s.find_first_not_of(ws);
  if (begin == std::string::npos) {
    return "";
  }
  return s.substr(begin, s.find_last_not_of(ws) - begin + 1);
}

int RunTokenVerify(const TokenVerifyFlags& flags) {
  std::string token = flags.token;
  if (token == "-") {
    token.clear();
    char buffer[4096];
    while (std::cin.read(buffer, sizeof(buffer)) || std::cin.gcount() > 0) {
      token.append(buffer, static_cast<size_t>(std::cin.gcount()));
      if (token.size() > client::kMaxJwtSize + 16) {
        break;  // ParseJwt rejects it with a clear reason
      }
    }
  }
  token = Trim(std::move(token));

  client::AttestationClientOptions options;
  options.endpoint = flags.endpoint;
  options.ca_file = flags.ca_file;
  options.expected_issuer = flags.issuer;
  options.clock_skew_seconds = flags.clock_skew_seconds;
  auto attestation_client = client::AttestationClient::Create(std::move(options));
  if (!attestation_client.has_value()) {
    const Status& s = attestation_client.error();
    return Fail(s, s.code() == StatusCode::kInvalidArgument ? 2 : 1);
  }
  auto claims = (*attestation_client)->ValidateToken(token);
  if (!claims.has_value()) {
    return Fail(claims.error(), 1);
  }
  std::cout << claims->dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

}  // namespace

void RegisterTokenCommand(CLI::App& app, int* exit_code) {
  CLI::App* token = app.add_subcommand("token", "Work with attestation tokens");
  token->require_subcommand(1);
  auto flags = std::make_shared<TokenVerifyFlags>();
  CLI::App* verify = token->add_subcommand(
      "verify", "Verify a token against the endpoint's /certs and print its claims");
  verify->add_option("--endpoint", flags->endpoint, "Provider base URL (the expected issuer)")
      ->required();
  verify->add_option("--ca", flags->ca_file, "PEM file of CA certificates to trust for TLS");
  verify->add_option("--issuer", flags->issuer, "Expected iss (default: the endpoint)");
  verify->add_option("--clock-skew", flags->clock_skew_seconds,
                     "Allowed clock skew in seconds for exp/nbf")
      ->check(CLI::Range(0, 3600));
  verify->add_option("token", flags->token, "The JWT, or - to read it from stdin")->required();
  verify->callback([flags, exit_code] { *exit_code = RunTokenVerify(*flags); });
}

}  // namespace attest::cli
