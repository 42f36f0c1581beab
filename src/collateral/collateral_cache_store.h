// CollateralCacheStore: where the online collateral cache persists the items it verified, so
// that a restart or a vendor outage does not empty it. Its own small interface (not part of
// store/store.h) so that any database can hold it; sqlite_collateral_cache_store.h keeps it in
// attestd's SQLite file. Records are stored as delivered; loaders check every item again
// before use. Implementations must be thread-safe.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "collateral/collateral_item.h"

namespace attest::collateral {

struct StoredCollateralItem {
  std::string key;
  std::string url;
  Bytes body;
  HeaderList headers;
  UnixTime fetched_at = 0;
};

class CollateralCacheStore {
 public:
  virtual ~CollateralCacheStore() = default;
  // Inserts or replaces the item with `item.key`.
  virtual Status Put(const StoredCollateralItem& item) = 0;
  virtual StatusOr<std::vector<StoredCollateralItem>> LoadAll() = 0;
  virtual Status Remove(const std::string& key) = 0;
};

// A CollateralItem as a record, and back (unchecked: the caller checks it).
StoredCollateralItem ToStored(const CollateralItem& item);
CollateralItem FromStored(const StoredCollateralItem& stored);

// Headers as a JSON array of [name, value] pairs (for stores and bundle manifests).
std::string HeadersToJson(const HeaderList& headers);
StatusOr<HeaderList> HeadersFromJson(std::string_view json);

}  // namespace attest::collateral
