// Collateral bundles: how collateral moves into air-gapped sites (docs/collateral.md).
//
// A bundle is a directory:
//   manifest.json   {"format":"attestd-collateral-bundle","version":1,"created":"<RFC 3339>",
//                    "items":[{"key","url","file","sha256","headers":[[name,value]...],
//                              "fetched_at":"<RFC 3339>"}]}
//   items/NNNN.bin  each item's body exactly as the vendor served it
// Nothing in a bundle is trusted: readers check sizes and hashes here, and every item is
// checked against the pinned vendor roots before use (OnlineCollateralProvider::Import).
#pragma once

#include <string>
#include <vector>

#include "collateral/collateral_cache_store.h"

namespace attest::collateral {

inline constexpr size_t kMaxBundleItems = 4096;

Status WriteBundle(const std::string& dir, const std::vector<StoredCollateralItem>& items,
                   UnixTime created);
// Reasons: BUNDLE_INVALID (malformed manifest, missing file, hash mismatch, too large).
StatusOr<std::vector<StoredCollateralItem>> ReadBundle(const std::string& dir);

}  // namespace attest::collateral
