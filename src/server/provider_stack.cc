#include "server/provider_stack.h"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <tuple>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "base/time.h"
#include "client/endpoint_url.h"
#include "evidence/tpm/service_context.h"

namespace attest::server {
namespace {

// Keys in the store: the first start of a provider stores its first key (the key file a
// single-node deployment left in `key_dir`, so its kid survives), then every replica loads
// the provider's keys. The private key never touches the disk here.
Status SetUpStoreKeys(store::Store& db, const service::TokenKeyOptions& options,
                      const std::string& key_dir, token::KeyRing& ring) {
  std::optional<token::SigningKey> legacy;
  const std::string legacy_file = key_dir + "/" + std::string(token::SigningKey::kKeyFile);
  if (std::filesystem::exists(legacy_file)) {
    auto k = token::SigningKey::LoadOrCreate(key_dir, options.base_url);
    if (!k.has_value()) return k.error();
    legacy.emplace(std::move(*k));
  }
  auto added = service::EnsureFirstTokenKey(db, options, legacy ? &*legacy : nullptr,
                                            SystemClock::Get().Now());
  if (!added.has_value()) return added.error();
  if (*added) {
    spdlog::info("provider '{}': stored its first token key{}", options.provider_id,
                 legacy ? " (from " + legacy_file + ")" : "");
  }
  return service::LoadTokenKeys(db, options, ring);
}

}  // namespace

std::string ProviderKeyDir(const std::string& data_dir, const std::string& provider_id) {
  return data_dir + "/providers/" + provider_id;
}

StatusOr<api::ProviderRoute> RouteOfBaseUrl(const std::string& id, const std::string& base_url) {
  ATTEST_ASSIGN_OR_RETURN(client::EndpointUrl url, client::ParseEndpointUrl(base_url));
  api::ProviderRoute route;
  route.id = id;
  route.host = AsciiToLower(url.host);
  route.port = url.port;
  route.tls = url.tls;
  route.path_prefix = url.path_prefix;
  return route;
}

ProviderStack::ProviderStack(std::string id, std::string base_url, int64_t retention)
    : id_(std::move(id)), base_url_(std::move(base_url)), ring_(SystemClock::Get(), retention) {}

ProviderStack::~ProviderStack() = default;

StatusOr<std::unique_ptr<ProviderStack>> ProviderStack::Create(const ProviderDeployment& deployment,
                                                               const std::string& provider_id,
                                                               const std::string& base_url,
                                                               const std::string& key_dir) {
  std::unique_ptr<ProviderStack> stack(
      new ProviderStack(provider_id, base_url, deployment.key_retention_seconds));
  ATTEST_RETURN_IF_ERROR(stack->Build(deployment, key_dir));
  return stack;
}

Status ProviderStack::Build(const ProviderDeployment& deployment, const std::string& key_dir) {
  store::Store& db = *deployment.db;
  keys_in_store_ = deployment.kek.has_value();
  if (keys_in_store_) {
    service::TokenKeyOptions key_options{id_, base_url_, *deployment.kek};
    ATTEST_RETURN_IF_ERROR(SetUpStoreKeys(db, key_options, key_dir, ring_));
    startup_key_ = ring_.SigningKeyNow();
    const std::string id = id_;
    refresher_.emplace(db, key_options, ring_, deployment.key_refresh, [id](const Status& s) {
      spdlog::warn("provider '{}': token keys: reload failed: {}", id, s.ToString());
    });
    issuer_.emplace(ring_, base_url_, SystemClock::Get());
  } else {
    std::error_code ec;
    std::filesystem::create_directories(key_dir, ec);
    if (ec) {
      return Status::Internal("cannot create key directory " + key_dir + ": " + ec.message());
    }
    ::chmod(key_dir.c_str(), 0700);
    ATTEST_ASSIGN_OR_RETURN(token::SigningKey key,
                            token::SigningKey::LoadOrCreate(key_dir, base_url_));
    spdlog::info("provider '{}': token-signing key {} ({}) kid={}", id_,
                 key.created() ? "created" : "loaded", key_dir, key.kid());
    file_key_.emplace(std::move(key));
    ATTEST_RETURN_IF_ERROR(db.PutKey(id_, {file_key_->kid(), SystemClock::Get().Now()}));
    issuer_.emplace(*file_key_, base_url_, SystemClock::Get());
  }
  policy_ = std::make_unique<service::StoredPolicyEvaluator>(db, id_);
  service::AttestationServiceOptions attestation_options = *deployment.attestation;
  attestation_options.provider_id = id_;
  if (deployment.tpm_context_key_from_kek && deployment.kek.has_value()) {
    ATTEST_ASSIGN_OR_RETURN(std::unique_ptr<evidence::tpm::ContextKeySource> context_key,
                            evidence::tpm::DeriveContextKey(*deployment.kek, id_));
    attestation_options.verifiers.tpm.context_key = std::move(context_key);
  }
  attestation_ =
      std::make_unique<service::AttestationService>(std::move(attestation_options), *policy_, *issuer_);
  policies_ = std::make_unique<service::PolicyService>(db, id_, *issuer_, SystemClock::Get());
  api::ManagementRoutes management;
  management.policies = policies_.get();
  management.authenticator = deployment.authenticator;
  router_ = std::make_unique<api::ApiRouter>(base_url_, *attestation_,
                                             keys_in_store_ ? *startup_key_ : *file_key_,
                                             *deployment.metrics, management);
  if (keys_in_store_) router_->SetKeyRing(&ring_);
  router_->SetReady(true);
  return Status::Ok();
}

std::string ProviderStack::signing_kid() const {
  return keys_in_store_ ? ring_.SigningKeyNow()->kid() : file_key_->kid();
}

ProviderRegistry::ProviderRegistry(ProviderDeployment deployment, api::ProviderRouter& router,
                                   std::shared_ptr<ProviderStack> default_stack,
                                   std::chrono::seconds interval)
    : deployment_(std::move(deployment)),
      router_(router),
      default_stack_(std::move(default_stack)),
      interval_(interval) {}

ProviderRegistry::~ProviderRegistry() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProviderRegistry::Start() {
  thread_ = std::thread([this] { Run(); });
}

void ProviderRegistry::Run() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    Status s = Refresh();
    if (!s.ok()) spdlog::warn("providers: reload failed: {}", s.ToString());
    lock.lock();
  }
}

Status ProviderRegistry::Refresh() {
  std::lock_guard refresh_lock(refresh_mu_);
  ATTEST_ASSIGN_OR_RETURN(std::vector<store::Provider> rows, deployment_.db->ListProviders());
  std::map<std::string, Served> next;
  for (const store::Provider& row : rows) {
    if (row.id == store::kDefaultProviderId) continue;  // served from the configuration
    auto old = served_.find(row.id);
    // A provider deleted and created again under the same id is a new provider.
    if (old != served_.end() && old->second.row.base_url == row.base_url &&
        old->second.row.created_at == row.created_at) {
      next.emplace(row.id, old->second);
      continue;
    }
    auto stack = ProviderStack::Create(deployment_, row.id, row.base_url,
                                       ProviderKeyDir(deployment_.data_dir, row.id));
    if (!stack.has_value()) {
      // Not served (its requests answer UNKNOWN_PROVIDER); retried at the next refresh.
      spdlog::error("provider '{}' ({}) cannot be served: {}", row.id, row.base_url,
                    stack.error().ToString());
      continue;
    }
    spdlog::info("provider '{}': {} mode, base URL {}, signing with kid={}", row.id,
                 store::ProviderModeName(row.mode), row.base_url, (*stack)->signing_kid());
    next.emplace(row.id, Served{row, std::shared_ptr<ProviderStack>(std::move(*stack))});
  }
  for (const auto& [id, served] : served_) {
    if (!next.contains(id)) spdlog::info("provider '{}' deleted: no longer served", id);
  }
  served_ = std::move(next);

  // The routing table: the default provider first, then the others by creation; a route
  // that another already holds is refused (the earlier provider keeps it).
  std::vector<const Served*> order;
  for (const auto& [id, served] : served_) order.push_back(&served);
  std::sort(order.begin(), order.end(), [](const Served* a, const Served* b) {
    return std::tie(a->row.created_at, a->row.id) < std::tie(b->row.created_at, b->row.id);
  });
  std::vector<api::ProviderRoute> routes;
  std::set<std::tuple<std::string, uint16_t, std::string>> taken;
  auto add = [&](const std::shared_ptr<ProviderStack>& stack) {
    auto route = RouteOfBaseUrl(stack->id(), stack->base_url());
    if (!route.has_value()) {
      spdlog::error("provider '{}' is not served: its base URL {} is unusable: {}", stack->id(),
                    stack->base_url(), route.error().ToString());
      return;
    }
    if (!taken.emplace(route->host, route->port, route->path_prefix).second) {
      spdlog::error("provider '{}' is not served: another provider has the base URL {}",
                    stack->id(), stack->base_url());
      return;
    }
    route->router = std::shared_ptr<api::ApiRouter>(stack, &stack->router());
    routes.push_back(std::move(*route));
  };
  add(default_stack_);
  for (const Served* s : order) add(s->stack);
  const bool single = served_.empty();
  if (single && routes.empty()) {
    // The default provider's base URL did not parse: it still answers every request, as a
    // single-provider deployment always did.
    api::ProviderRoute route;
    route.id = default_stack_->id();
    route.router = std::shared_ptr<api::ApiRouter>(default_stack_, &default_stack_->router());
    routes.push_back(std::move(route));
  }
  router_.SetProviders(std::move(routes), single);
  return Status::Ok();
}

}  // namespace attest::server
