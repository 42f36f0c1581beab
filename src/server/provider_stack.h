// The per-provider part of attestd (issue 12 item 3; DESIGN.md "providers"): one attestation
// provider's token keys, issuer, policy evaluation, attestation pipeline, policy management
// and ApiRouter. ProviderRegistry keeps one ProviderStack per provider in the store (plus the
// default provider of the configuration) and hands their routes to api::ProviderRouter.
//
// What differs between providers is the store records keyed by the provider id (policies
// with history, signer certificates, token keys) and the base URL (issuer, key certificate
// subject, routing). Verifier configuration, collateral, bearer-token validation and metrics
// are the deployment's.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "api/metrics.h"
#include "api/provider_router.h"
#include "api/router.h"
#include "base/bytes.h"
#include "base/status.h"
#include "service/attestation_service.h"
#include "service/bearer_authenticator.h"
#include "service/policy_service.h"
#include "service/stored_policy_evaluator.h"
#include "service/token_keys.h"
#include "store/store.h"
#include "token/key_ring.h"
#include "token/signing_key.h"
#include "token/token_issuer.h"

namespace attest::server {

// What every provider of the deployment shares. Pointers are borrowed and outlive the stacks.
struct ProviderDeployment {
  store::Store* db = nullptr;
  const service::AttestationServiceOptions* attestation = nullptr;  // copied per provider
  api::Metrics* metrics = nullptr;
  const service::BearerAuthenticator* authenticator = nullptr;
  std::optional<Bytes> kek;  // set: token keys in the store (shared, rotatable)
  // Each provider's TPM service_context key is derived from `kek` (no tpm_context_key set).
  bool tpm_context_key_from_kek = false;
  std::string data_dir;      // key files of providers when no KEK is configured
  int64_t key_retention_seconds = 28800;
  std::chrono::seconds key_refresh{10};
};

// Thread-safe once built (its router's Handle is).
class ProviderStack {
 public:
  // `key_dir`: the directory of the provider's key file when keys are not in the store (the
  // data directory for the default provider, so single-node deployments keep their key).
  static StatusOr<std::unique_ptr<ProviderStack>> Create(const ProviderDeployment& deployment,
                                                         const std::string& provider_id,
                                                         const std::string& base_url,
                                                         const std::string& key_dir);
  ~ProviderStack();
  ProviderStack(const ProviderStack&) = delete;
  ProviderStack& operator=(const ProviderStack&) = delete;

  api::ApiRouter& router() { return *router_; }
  const std::string& id() const { return id_; }
  const std::string& base_url() const { return base_url_; }
  // The kid that signs tokens now (for the start-up log line).
  std::string signing_kid() const;

 private:
  ProviderStack(std::string id, std::string base_url, int64_t retention);
  Status Build(const ProviderDeployment& deployment, const std::string& key_dir);

  std::string id_;
  std::string base_url_;
  token::KeyRing ring_;
  bool keys_in_store_ = false;
  std::optional<token::SigningKey> file_key_;
  std::shared_ptr<const token::SigningKey> startup_key_;
  std::optional<service::TokenKeyRefresher> refresher_;
  std::optional<token::TokenIssuer> issuer_;
  std::unique_ptr<service::StoredPolicyEvaluator> policy_;
  std::unique_ptr<service::AttestationService> attestation_;
  std::unique_ptr<service::PolicyService> policies_;
  std::unique_ptr<api::ApiRouter> router_;
};

// The routing key of a base URL: host (lower case), port, scheme and path prefix.
StatusOr<api::ProviderRoute> RouteOfBaseUrl(const std::string& id, const std::string& base_url);

// Keeps api::ProviderRouter's table in step with the providers in the store: the default
// provider (always served, with the configuration's base URL) and every other provider row,
// re-read every `interval` on a background thread, so that `attestd provider create|delete`
// reaches every replica within `interval` without a restart. A provider whose base URL routes
// like another's is not served (logged). Thread-safe.
class ProviderRegistry {
 public:
  ProviderRegistry(ProviderDeployment deployment, api::ProviderRouter& router,
                   std::shared_ptr<ProviderStack> default_stack, std::chrono::seconds interval);
  ~ProviderRegistry();
  ProviderRegistry(const ProviderRegistry&) = delete;
  ProviderRegistry& operator=(const ProviderRegistry&) = delete;

  // Reads the providers now and updates the router. A store error keeps the table as it was.
  Status Refresh();
  // Starts the background refresh (after the first Refresh()).
  void Start();

 private:
  struct Served {
    store::Provider row;
    std::shared_ptr<ProviderStack> stack;
  };
  void Run();

  const ProviderDeployment deployment_;
  api::ProviderRouter& router_;
  const std::shared_ptr<ProviderStack> default_stack_;
  const std::chrono::seconds interval_;
  std::mutex refresh_mu_;                 // one Refresh at a time
  std::map<std::string, Served> served_;  // by id; guarded by refresh_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

// The directory of a named provider's key file (no KEK): <data_dir>/providers/<id>.
std::string ProviderKeyDir(const std::string& data_dir, const std::string& provider_id);

}  // namespace attest::server
