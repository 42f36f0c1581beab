// OnlineCollateralProvider: the collateral service. Serves every request kind from one shared
// ItemCache (item_cache.h) filled from Intel PCS/PCCS (pcs_source.h) and AMD KDS
// (kds_source.h) through one VendorClient (per-host rate limiting, Retry-After), persisted in
// a CollateralCacheStore, renewed by a background task before items expire, and exportable /
// importable as bundles (collateral_bundle.h).
//
// Results carry Provenance::kFetchedByServer: unusable fetched collateral is the server's
// problem (503, retryable). Thread-safe; Stop() (or the destructor) joins the refresher.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "collateral/collateral_cache_store.h"
#include "collateral/collateral_provider.h"
#include "collateral/https_getter.h"
#include "collateral/item_cache.h"
#include "collateral/kds_source.h"
#include "collateral/pcs_source.h"
#include "collateral/vendor_client.h"

namespace attest::collateral {

struct OnlineCollateralOptions {
  std::optional<PcsSource::Options> pcs;  // nullopt: no Intel source
  std::optional<KdsSource::Options> kds;  // nullopt: no AMD source
  Bytes intel_root_spki;                  // pinned Intel SGX Root CA key (DER SPKI)
  // Pinned AMD ARKs (TrustAnchors::amd_arks): KDS chains, fetched or imported, must end at
  // one of their product's. Replaces kds->pinned_arks.
  std::vector<evidence::AmdArkPin> amd_ark_pins;
  ItemCache::Options cache;
  VendorClient::Options vendor;
  int64_t refresh_interval_seconds = 300;  // how often the refresher looks for due items
};

struct LoadReport {
  size_t loaded = 0;
  size_t rejected = 0;
  std::vector<std::string> rejected_reasons;  // "key: message"
};

class OnlineCollateralProvider final : public CollateralProvider {
 public:
  // `validity_clock` judges items' validity (the verification clock); `wall_clock` drives
  // negative-cache lifetimes and Retry-After. Both and `store` (may be null) are borrowed.
  OnlineCollateralProvider(std::unique_ptr<HttpsGetter> getter, const Clock& validity_clock,
                           const Clock& wall_clock, CollateralCacheStore* store,
                           OnlineCollateralOptions options);
  ~OnlineCollateralProvider() override;

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request) override;

  // Loads every stored item, checking each again; items that fail are skipped and reported.
  LoadReport LoadFromStore();
  // Checks items as delivered (bundle import) and caches (and persists) those that pass.
  LoadReport Import(const std::vector<StoredCollateralItem>& items);

  // Renews every item due for refresh; returns how many failed. Runs on the caller's thread;
  // stops between items once Stop() was called (a paced KDS refresh takes 10 s per item).
  size_t RefreshOnce();
  // Starts / stops the background refresher (RefreshOnce every refresh_interval_seconds).
  void Start();
  void Stop();

  // Fetches (through the cache, single-flighted) the item named by `key`.
  StatusOr<std::shared_ptr<const CollateralItem>> GetItem(const std::string& key);
  std::vector<std::shared_ptr<const CollateralItem>> Items() const { return cache_.Snapshot(); }
  std::string Describe(std::string_view key) const;

  // Prometheus text for /metrics (attestd_collateral_*).
  std::string RenderPrometheus() const;

 private:
  StatusOr<CollateralItem> FetchKey(const std::string& key);
  StatusOr<CollateralItem> CheckItem(CollateralItem item);
  StatusOr<std::shared_ptr<const CollateralItem>> ChainItem(const std::string& key);
  void RefreshLoop();
  LoadReport CheckAndInsert(const std::vector<StoredCollateralItem>& items, bool persist);

  std::unique_ptr<HttpsGetter> getter_;
  const Clock& validity_clock_;
  const Clock& wall_clock_;
  CollateralCacheStore* store_;
  OnlineCollateralOptions options_;
  VendorClient client_;
  std::optional<PcsSource> pcs_;
  std::optional<KdsSource> kds_;
  ItemCache cache_;

  // The last assembled DCAP set per request, reused while its items are the same objects (so
  // verifiers find their checked copy of it without re-hashing).
  struct Assembled {
    std::vector<const CollateralItem*> parts;
    std::vector<std::shared_ptr<const CollateralItem>> hold;
    std::shared_ptr<const DcapCollateral> set;
  };
  std::mutex assembled_mu_;
  std::map<std::string, Assembled> assembled_;

  std::mutex refresher_mu_;
  std::condition_variable refresher_cv_;
  bool stop_ = false;
  std::atomic<bool> stopping_{false};  // stop_ without the lock, for RefreshOnce
  std::thread refresher_;
};

}  // namespace attest::collateral
