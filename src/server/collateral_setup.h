// CollateralSetup: builds attestd's collateral provider from its configuration: the offline
// directory (--collateral-dir) and/or the online collateral service (Intel PCS/PCCS, AMD KDS;
// docs/collateral.md) with its cache persisted in the data directory's SQLite file, loaded at
// start and renewed in the background. Owns everything it builds; destroy after the server.
#pragma once

#include <memory>

#include "base/time.h"
#include "collateral/collateral_provider.h"
#include "collateral/online_collateral_provider.h"
#include "collateral/sqlite_collateral_cache_store.h"
#include "evidence/trust_anchors.h"
#include "server/config.h"

namespace attest::server {

class CollateralSetup {
 public:
  // `validity_clock` judges collateral validity (the verification clock); fetched and
  // imported items must chain to `anchors` (the verifiers' anchors). Both are borrowed.
  static StatusOr<std::unique_ptr<CollateralSetup>> Build(const ServerConfig& config,
                                                          const Clock& validity_clock,
                                                          const evidence::TrustAnchors& anchors);
  ~CollateralSetup();

  // Null when no source is configured.
  collateral::CollateralProvider* provider() { return provider_.get(); }
  // Null when the online service is off.
  collateral::OnlineCollateralProvider* online() { return online_; }

 private:
  CollateralSetup() = default;
  std::unique_ptr<collateral::SqliteCollateralCacheStore> store_;
  std::unique_ptr<collateral::CollateralProvider> provider_;
  collateral::OnlineCollateralProvider* online_ = nullptr;  // inside provider_
};

}  // namespace attest::server
