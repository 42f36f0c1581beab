// Collateral bundles: how collateral moves into air-gapped sites (docs/collateral.md).
//
// A bundle is a directory, or a tar of the same files (a path ending in ".tar" is written as
// a tar; a regular file is read as one, bundle_tar.h):
//   manifest.json   {"format":"attestd-collateral-bundle","version":1,"created":"<RFC 3339>",
//                    "items":[{"key","url","file","sha256","headers":[[name,value]...],
//                              "fetched_at":"<RFC 3339>"}]}
//   items/NNNN.bin  each item's body exactly as the vendor served it
// Nothing in a bundle is trusted: readers check names, sizes and hashes here, and every item
// is checked against the pinned vendor roots before use (OnlineCollateralProvider::Import).
#pragma once

#include <string>
#include <vector>

#include "collateral/collateral_cache_store.h"

namespace attest::collateral {

inline constexpr size_t kMaxBundleItems = 4096;

// True when `path` names a tar bundle to write (it ends in ".tar").
bool IsTarBundlePath(const std::string& path);

Status WriteBundle(const std::string& path, const std::vector<StoredCollateralItem>& items,
                   UnixTime created);
// Reasons: BUNDLE_INVALID (malformed manifest or tar, missing file, hash mismatch, too large,
// an entry that is not an item file).
StatusOr<std::vector<StoredCollateralItem>> ReadBundle(const std::string& path);
// A tar bundle's items, from the tar's bytes (what ReadBundle does with a file).
StatusOr<std::vector<StoredCollateralItem>> ReadTarBundle(ByteSpan tar);

}  // namespace attest::collateral
