// attestctl signers list|add|remove: the policy-management certificates of an Isolated
// provider (maa-rest-api.md §5.4, maa-tokens.md §7).
//
//   attestctl signers list   --endpoint URL                    prints one JSON object per line:
//                                                              {"thumbprint","subject","x5c"}
//   attestctl signers add    --endpoint URL --cert NEW.pem --key KEY.pem --signer-cert CERT.pem
//   attestctl signers remove --endpoint URL --cert OLD.pem --key KEY.pem --signer-cert CERT.pem
// (KEY/CERT: a currently registered policy-management key and certificate, which signs the
// request.) Common: [--ca FILE] [--bearer TOKEN | $ATTESTCTL_BEARER] [--api-version V].
// Exit 0 ok, 1 the service refused or failed, 2 usage/local errors.
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "base/encoding.h"
#include "base/file.h"
#include "cli/admin_client.h"
#include "cli/commands.h"
#include "crypto/x509.h"

namespace attest::cli {
namespace {

struct SignersFlags {
  AdminConnectionFlags connection;
  SignerFlags signer;
  std::string cert_file;
};

std::string Thumbprint(const Bytes& der) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(der.data(), der.size(), md, &len, EVP_sha1(), nullptr) != 1) return {};
  return HexEncodeUpper(ByteSpan(md, len));
}

int RunList(const SignersFlags& f) {
  auto c = MakeAdminClient(f.connection);
  if (!c.has_value()) return AdminFail(c.error(), 2);
  auto keys = (*c)->GetPolicyManagementCertificates();
  if (!keys.has_value()) return AdminFail(keys.error(), 1);
  for (const nlohmann::json& key : *keys) {
    nlohmann::json line = {{"x5c", key.value("x5c", nlohmann::json::array())}};
    if (line["x5c"].is_array() && !line["x5c"].empty() && line["x5c"][0].is_string()) {
      auto der = Base64Decode(line["x5c"][0].get<std::string>());
      if (der.has_value()) {
        line["thumbprint"] = Thumbprint(*der);
        auto cert = crypto::Certificate::FromDer(*der);
        if (cert.has_value()) line["subject"] = cert->SubjectCommonName();
      }
    }
    std::cout << line.dump() << "\n";
  }
  return 0;
}

int RunChange(const SignersFlags& f, bool add) {
  auto pem = ReadFileText(f.cert_file, 1 << 20);
  if (!pem.has_value()) return AdminFail(pem.error().WithContext("--cert"), 2);
  auto certs = crypto::Certificate::ParsePemChain(*pem, 1);
  if (!certs.has_value()) return AdminFail(certs.error().WithContext("--cert"), 2);
  auto signer = LoadSigner(f.signer);
  if (!signer.has_value()) return AdminFail(signer.error(), 2);
  auto document = client::BuildCertificateDocument(certs->front(), *signer);
  if (!document.has_value()) return AdminFail(document.error(), 1);
  auto c = MakeAdminClient(f.connection);
  if (!c.has_value()) return AdminFail(c.error(), 2);
  auto result = add ? (*c)->AddPolicyManagementCertificate(*document)
                    : (*c)->RemovePolicyManagementCertificate(*document);
  if (!result.has_value()) return AdminFail(result.error(), 1);
  std::cout << nlohmann::json({{"x-ms-certificate-thumbprint", result->thumbprint},
                               {"x-ms-policycertificates-result", result->result}})
                   .dump()
            << "\n";
  return 0;
}

}  // namespace

void RegisterSignersCommand(CLI::App& app, int* exit_code) {
  auto f = std::make_shared<SignersFlags>();
  CLI::App* signers =
      app.add_subcommand("signers", "Policy-management certificates of an Isolated provider");
  signers->require_subcommand(1);

  CLI::App* list = signers->add_subcommand("list", "List the registered certificates");
  AddConnectionOptions(list, f->connection);
  list->callback([f, exit_code] { *exit_code = RunList(*f); });

  for (bool add : {true, false}) {
    CLI::App* cmd = signers->add_subcommand(
        add ? "add" : "remove",
        add ? "Register a certificate (request signed by a registered key)"
            : "Remove a certificate (request signed by a registered key; never the last)");
    AddConnectionOptions(cmd, f->connection);
    cmd->add_option("--cert", f->cert_file, "The certificate to add/remove (PEM)")->required();
    cmd->add_option("--key", f->signer.key_file, "Registered policy-management key (PEM)")
        ->required();
    cmd->add_option("--signer-cert", f->signer.cert_file, "Its certificate (PEM)")->required();
    cmd->callback([f, exit_code, add] { *exit_code = RunChange(*f, add); });
  }
}

}  // namespace attest::cli
