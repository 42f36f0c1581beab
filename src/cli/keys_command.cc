// attestctl keys rotate|list: token-signing keys held in a fleet's store (issue 12 item 4;
// spec/maa-service-behaviour.md §6 rotation). Talks to the store directly (an operator
// tool, like `attestd init`), never to a replica.
//
//   attestctl keys rotate --store URL [--kek-file FILE | $ATTESTD_KEK] [--provider ID]
//                         [--overlap-seconds N] [--base-url URL]
//       creates the next key: in every replica's /certs within token_key_refresh_seconds,
//       signing from now + N (default 86400: longer than relying parties cache /certs).
//       Prints {"kid","created_at","activate_at"}.
//   attestctl keys list --store URL [--provider ID]
//       one JSON object per key: {"kid","created_at","activate_at"}.
// Exit 0 ok, 1 the store refused or failed, 2 usage/local errors.
#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/time.h"
#include "cli/commands.h"
#include "service/key_encryption.h"
#include "service/token_keys.h"
#include "store/open_store.h"

namespace attest::cli {
namespace {

struct KeysFlags {
  std::string store;
  std::string kek_file;
  std::string provider = "default";
  std::string base_url;
  int64_t overlap_seconds = 86400;
};

int Fail(const Status& s, int code) {
  std::cerr << "attestctl keys: " << s.ToString() << "\n";
  return code;
}

nlohmann::json Describe(const store::TokenKeyRecord& r) {
  return {{"kid", r.kid}, {"created_at", r.created_at}, {"activate_at", r.activate_at}};
}

int RunRotate(const KeysFlags& f) {
  auto kek = service::LoadKek(f.kek_file,
                              std::getenv(std::string(service::kKekEnvironmentVariable).c_str()));
  if (!kek.has_value()) return Fail(kek.error(), 2);
  auto db = store::OpenConfiguredStore(f.store, "");
  if (!db.has_value()) return Fail(db.error(), 1);
  std::string base_url = f.base_url;
  if (base_url.empty()) {
    auto provider = (*db)->GetProvider(f.provider);
    if (!provider.has_value()) return Fail(provider.error(), 1);
    if (!provider->has_value()) {
      return Fail(Status::InvalidArgument(
                      "PROVIDER_NOT_FOUND",
                      "provider '" + f.provider + "' is not initialised; give --base-url"),
                  2);
    }
    base_url = (*provider)->base_url;
  }
  service::TokenKeyOptions options{f.provider, base_url, std::move(*kek)};
  // The current keys must open with this KEK: a rotation with a wrong KEK would leave a key
  // no replica can use.
  token::KeyRing check(SystemClock::Get(), 0);
  if (Status s = service::LoadTokenKeys(**db, options, check); !s.ok()) return Fail(s, 1);
  auto record = service::RotateTokenKey(**db, options, SystemClock::Get().Now(), f.overlap_seconds);
  if (!record.has_value()) return Fail(record.error(), 1);
  std::cout << Describe(*record).dump() << "\n";
  return 0;
}

int RunList(const KeysFlags& f) {
  auto db = store::OpenConfiguredStore(f.store, "");
  if (!db.has_value()) return Fail(db.error(), 1);
  auto keys = (*db)->ListTokenKeys(f.provider);
  if (!keys.has_value()) return Fail(keys.error(), 1);
  for (const store::TokenKeyRecord& r : *keys) std::cout << Describe(r).dump() << "\n";
  return 0;
}

}  // namespace

void RegisterKeysCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<KeysFlags>();
  CLI::App* keys = app.add_subcommand("keys", "token-signing keys in a fleet's store");
  keys->require_subcommand(1);
  CLI::App* rotate = keys->add_subcommand("rotate", "create the next token-signing key");
  CLI::App* list = keys->add_subcommand("list", "list the stored token-signing keys");
  for (CLI::App* sub : {rotate, list}) {
    sub->add_option("--store", flags->store, "postgres:// URL of the fleet's store")->required();
    sub->add_option("--provider", flags->provider, "provider id (default: default)");
  }
  rotate->add_option("--kek-file", flags->kek_file, "KEK file (64 hex digits, mode 0600)");
  rotate
      ->add_option("--overlap-seconds", flags->overlap_seconds,
                   "seconds between publishing and signing (default 86400)")
      ->check(CLI::Range(int64_t{0}, int64_t{366} * 86400));
  rotate->add_option("--base-url", flags->base_url, "issuer for the new certificate's CN");
  rotate->callback([flags, exit_code] { *exit_code = RunRotate(*flags); });
  list->callback([flags, exit_code] { *exit_code = RunList(*flags); });
}

}  // namespace attest::cli
