#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/reasons.h"

namespace attest {

StatusOr<Bytes> ReadFileBytes(const std::string& path, size_t max_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) return Err(Status::NotFound(reason::kFileNotFound, "no such file: " + path));
    return Err(Status::InvalidArgument(reason::kFileReadError,
                                       "cannot open " + path + ": " + std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Err(Status::InvalidArgument(reason::kFileReadError, path + " is a directory"));
  }
  Bytes out;
  uint8_t buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Err(Status::InvalidArgument(reason::kFileReadError,
                                         "cannot read " + path + ": " + std::strerror(err)));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_size) {
      ::close(fd);
      return Err(Status::InvalidArgument(
          reason::kFileTooLarge,
          path + " is larger than the limit of " + std::to_string(max_size) + " bytes"));
    }
    out.insert(out.end(), buf, buf + n);
  }
  ::close(fd);
  return out;
}

StatusOr<std::string> ReadFileText(const std::string& path, size_t max_size) {
  ATTEST_ASSIGN_OR_RETURN(Bytes b, ReadFileBytes(path, max_size));
  return std::string(b.begin(), b.end());
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Status WriteFileAtomic(const std::string& path, ByteSpan data, unsigned mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return Status::Internal("cannot create " + tmp + ": " + std::strerror(errno));
  }
  ::fchmod(fd, mode);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Internal("cannot write " + tmp + ": " + std::strerror(err));
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::Internal("cannot flush " + tmp + ": " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Status::Internal("cannot rename " + tmp + " to " + path + ": " + std::strerror(err));
  }
  return Status::Ok();
}

}  // namespace attest
