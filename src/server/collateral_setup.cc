#include "server/collateral_setup.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "collateral/collateral_bundle.h"
#include "collateral/https_client_getter.h"
#include "collateral/offline_dir_provider.h"
#include "collateral/provider_wrappers.h"
#include "evidence/trust_anchors.h"
#include "store/store.h"

namespace attest::server {
namespace {

// An offline directory holds one TCB info set per platform: the standard one. Early-set
// requests (tcb_update = early, evaluate_early) go to the online sources instead.
class StandardSetOnly final : public collateral::CollateralProviderWrapper {
 public:
  using CollateralProviderWrapper::CollateralProviderWrapper;
  StatusOr<std::shared_ptr<const collateral::DcapCollateral>> GetDcapCollateral(
      const collateral::DcapCollateralRequest& request) override {
    if (request.update == collateral::TcbUpdate::kEarly) {
      return Err(Status::NotFound("COLLATERAL_MISSING",
                                  "the offline collateral directory holds no early TCB info"));
    }
    return target().GetDcapCollateral(request);
  }
};

}  // namespace

StatusOr<std::unique_ptr<CollateralSetup>> CollateralSetup::Build(
    const ServerConfig& config, const Clock& validity_clock,
    const evidence::TrustAnchors& anchors) {
  std::unique_ptr<CollateralSetup> setup(new CollateralSetup());
  const auto& oc = config.online_collateral;
  std::vector<std::unique_ptr<collateral::CollateralProvider>> sources;
  if (!config.collateral_dir.empty()) {
    // Paths stay in the server log; clients only learn what is missing.
    auto offline = std::make_unique<collateral::OfflineDirProvider>(
        config.collateral_dir, [](std::string_view m) { spdlog::warn("collateral: {}", m); });
    // Files are re-read every few minutes, so replaced collateral takes effect without a
    // restart while steady-state requests never touch the disk.
    sources.push_back(
        std::make_unique<StandardSetOnly>(std::make_unique<collateral::CachingCollateralProvider>(
            std::move(offline), SystemClock::Get(),
            collateral::CachingCollateralProvider::Options{.max_age_seconds = 300,
                                                           .max_entries = 1024})));
    spdlog::info("collateral: offline directory {}", config.collateral_dir);
  }
  const bool online = config.collateral_dir.empty() || !oc.pcs_url.empty() || !oc.kds_url.empty() ||
                      !oc.bundle.empty();
  if (online) {
    ATTEST_ASSIGN_OR_RETURN(setup->store_,
                            collateral::SqliteCollateralCacheStore::Open(
                                config.data_dir + "/" + std::string(store::kSqliteFileName)));
    collateral::OnlineCollateralOptions options;
    options.pcs.emplace();
    if (!oc.pcs_url.empty()) {
      options.pcs->base_url = oc.pcs_url;
    }
    options.pcs->min_interval_ms = oc.pcs_min_interval_ms;
    options.kds.emplace();
    if (!oc.kds_url.empty()) {
      options.kds->base_url = oc.kds_url;
    }
    options.kds->min_interval_ms =
        oc.kds_min_interval_ms.value_or(collateral::DefaultKdsMinIntervalMs(oc.kds_url));
    // A request waits for its vendor slot no longer than the request itself may take.
    options.vendor.max_pacing_wait_ms = int64_t{config.request_deadline_seconds} * 1000;
    options.intel_root_spki = anchors.intel_sgx_root_spki;
    options.amd_ark_pins = anchors.amd_arks;
    options.refresh_interval_seconds = oc.refresh_interval_seconds;
    auto getter =
        std::make_unique<collateral::HttpsClientGetter>(collateral::HttpsClientGetter::Options{
            .extra_ca_file = oc.ca_file,
            .timeout = std::chrono::seconds(oc.fetch_timeout_seconds)});
    auto provider = std::make_unique<collateral::OnlineCollateralProvider>(
        std::move(getter), validity_clock, SystemClock::Get(), setup->store_.get(),
        std::move(options));
    collateral::LoadReport loaded = provider->LoadFromStore();
    spdlog::info("collateral: {} cached item(s) loaded from the store, {} rejected", loaded.loaded,
                 loaded.rejected);
    for (const std::string& r : loaded.rejected_reasons) {
      spdlog::warn("collateral: {}", r);
    }
    if (!oc.bundle.empty()) {
      ATTEST_ASSIGN_OR_RETURN(auto items, collateral::ReadBundle(oc.bundle));
      collateral::LoadReport imported = provider->Import(items);
      spdlog::info("collateral: bundle {}: {} item(s) imported, {} rejected", oc.bundle,
                   imported.loaded, imported.rejected);
      for (const std::string& r : imported.rejected_reasons) {
        spdlog::warn("collateral: bundle item rejected: {}", r);
      }
    }
    setup->online_ = provider.get();
    provider->Start();
    spdlog::info(
        "collateral: online sources Intel {} , AMD {}{}; fetch timeout {} s, minimum interval "
        "{} ms (PCS) / {} ms (KDS)",
        oc.pcs_url.empty() ? std::string(collateral::kIntelPcsUrl) : oc.pcs_url,
        oc.kds_url.empty() ? std::string(collateral::kAmdKdsUrl) : oc.kds_url,
        oc.ca_file.empty() ? "" : " (extra CAs " + oc.ca_file + ")", oc.fetch_timeout_seconds,
        oc.pcs_min_interval_ms, options.kds->min_interval_ms);
    sources.push_back(std::move(provider));
  }
  if (sources.size() == 1) {
    setup->provider_ = std::move(sources.front());
  } else if (!sources.empty()) {
    setup->provider_ = std::make_unique<collateral::ChainedCollateralProvider>(std::move(sources));
  }
  return setup;
}

CollateralSetup::~CollateralSetup() {
  if (online_ != nullptr) {
    online_->Stop();
  }
}

}  // namespace attest::server
