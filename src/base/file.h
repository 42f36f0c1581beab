// Reading and writing local files with size caps.
#pragma once

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace attest {

// Reads a whole file; fails with NOT_FOUND / FILE_TOO_LARGE / FILE_READ_ERROR.
StatusOr<Bytes> ReadFileBytes(const std::string& path, size_t max_size);
StatusOr<std::string> ReadFileText(const std::string& path, size_t max_size);
bool FileExists(const std::string& path);
// Writes atomically (temp file + fsync + rename) with the given permission bits.
Status WriteFileAtomic(const std::string& path, ByteSpan data, unsigned mode);

}  // namespace attest
