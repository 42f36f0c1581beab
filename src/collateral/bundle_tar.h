// Tar archives of collateral bundles (collateral_bundle.h), through libarchive.
//
// A bundle tar holds exactly the files of a bundle directory (manifest.json, items/NNNN.bin)
// as regular files. Every entry of a tar read here is untrusted: only regular files (and
// directories, which are skipped) are accepted; absolute names, `..`, links and devices are
// refused; entry count, each entry's size and the total are capped before anything is read;
// a name given twice is refused. Failures are INVALID_ARGUMENT BUNDLE_INVALID naming the
// entry. Stateless functions; thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/status.h"
#include "base/time.h"

namespace attest::collateral {

struct BundleTarLimits {
  size_t max_entries = 0;      // regular files and directories
  size_t max_entry_bytes = 0;  // one file
  size_t max_total_bytes = 0;  // all files
};

// The regular files of the tar `tar` (read from memory), by name ("./" prefixes removed).
StatusOr<std::map<std::string, Bytes>> ReadBundleTar(ByteSpan tar, const BundleTarLimits& limits);

// Writes `files` (name, bytes) as a POSIX tar at `path`, replacing it atomically; entries are
// owner-writable, world-readable, with modification time `mtime`.
Status WriteBundleTar(const std::string& path,
                      const std::vector<std::pair<std::string, Bytes>>& files, UnixTime mtime);

}  // namespace attest::collateral
