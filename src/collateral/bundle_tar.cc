#include "collateral/bundle_tar.h"

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string_view>

namespace attest::collateral {
namespace {

struct ReadArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ReadArchivePtr = std::unique_ptr<archive, ReadArchiveFree>;
using WriteArchivePtr = std::unique_ptr<archive, WriteArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

Status Invalid(std::string message) {
  return Status::InvalidArgument("BUNDLE_INVALID", std::move(message));
}

std::string ArchiveError(archive* a) {
  const char* e = archive_error_string(a);
  return e != nullptr ? std::string(e) : std::string("unknown libarchive error");
}

// A printable form of an untrusted entry name for messages (control bytes escaped, capped).
std::string Printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 200)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  return name.size() > 200 ? out + "..." : out;
}

// The entry name with "./" prefixes and a trailing "/" removed, or an error when it could
// leave the bundle (absolute, `..`) or is not a plain relative name.
StatusOr<std::string> SafeName(const char* raw) {
  if (raw == nullptr || *raw == '\0') {
    return Err(Invalid("a tar entry has no name"));
  }
  std::string_view name(raw);
  if (name.size() > 1024) {
    return Err(Invalid("a tar entry name is longer than 1024 bytes"));
  }
  if (name.front() == '/') {
    return Err(Invalid("tar entry '" + Printable(name) + "' has an absolute path"));
  }
  while (name.starts_with("./")) {
    name.remove_prefix(2);
  }
  while (name.ends_with('/')) {
    name.remove_suffix(1);
  }
  if (name.empty() || name == ".") {
    return std::string();  // the archive's root directory
  }
  std::string_view rest = name;
  while (true) {
    size_t slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    if (part == "..") {
      return Err(Invalid("tar entry '" + Printable(raw) + "' leaves the bundle (..)"));
    }
    if (part.empty() || part == ".") {
      return Err(Invalid("tar entry '" + Printable(raw) + "' is not a plain relative path"));
    }
    if (slash == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(slash + 1);
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '\\') {
      return Err(Invalid("tar entry '" + Printable(raw) + "' has a control byte or backslash"));
    }
  }
  return std::string(name);
}

}  // namespace

StatusOr<std::map<std::string, Bytes>> ReadBundleTar(ByteSpan tar, const BundleTarLimits& limits) {
  ReadArchivePtr a(archive_read_new());
  if (!a) {
    return Err(Status::Internal("libarchive could not start"));
  }
  // Plain tar only (ustar, pax, GNU); no compression filters, no other formats.
  archive_read_support_format_tar(a.get());
  static const uint8_t kNothing = 0;
  if (archive_read_open_memory(a.get(), tar.empty() ? &kNothing : tar.data(), tar.size()) !=
      ARCHIVE_OK) {
    return Err(Invalid("cannot read the bundle as a tar: " + ArchiveError(a.get())));
  }
  std::map<std::string, Bytes> files;
  size_t entries = 0;
  size_t total = 0;
  while (true) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) {
      break;
    }
    if (r != ARCHIVE_OK) {
      return Err(Invalid("the bundle is not a well-formed tar: " + ArchiveError(a.get())));
    }
    if (++entries > limits.max_entries) {
      return Err(
          Invalid("the tar has more than " + std::to_string(limits.max_entries) + " entries"));
    }
    ATTEST_ASSIGN_OR_RETURN(std::string name, SafeName(archive_entry_pathname(entry)));
    const std::string shown = Printable(archive_entry_pathname(entry));
    if (archive_entry_hardlink(entry) != nullptr || archive_entry_symlink(entry) != nullptr) {
      return Err(Invalid("tar entry '" + shown + "' is a link; a bundle holds regular files only"));
    }
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) {
      continue;
    }
    if (type != AE_IFREG) {
      return Err(Invalid("tar entry '" + shown + "' is not a regular file"));
    }
    if (name.empty()) {
      return Err(Invalid("a tar file entry has no name"));
    }
    if (files.contains(name)) {
      return Err(Invalid("tar entry '" + shown + "' appears twice"));
    }
    if (!archive_entry_size_is_set(entry) || archive_entry_size(entry) < 0) {
      return Err(Invalid("tar entry '" + shown + "' has no size"));
    }
    const auto size = static_cast<uint64_t>(archive_entry_size(entry));
    if (size > limits.max_entry_bytes) {
      return Err(Invalid("tar entry '" + shown + "' is larger than " +
                         std::to_string(limits.max_entry_bytes) + " bytes"));
    }
    if (size > limits.max_total_bytes - total) {
      return Err(
          Invalid("the tar holds more than " + std::to_string(limits.max_total_bytes) + " bytes"));
    }
    Bytes data(static_cast<size_t>(size));
    size_t got = 0;
    while (got < data.size()) {
      const la_ssize_t n = archive_read_data(a.get(), data.data() + got, data.size() - got);
      if (n < 0) {
        return Err(Invalid("tar entry '" + shown + "' cannot be read: " + ArchiveError(a.get())));
      }
      if (n == 0) {
        return Err(Invalid("tar entry '" + shown + "' is truncated"));
      }
      got += static_cast<size_t>(n);
    }
    total += data.size();
    files.emplace(std::move(name), std::move(data));
  }
  return files;
}

Status WriteBundleTar(const std::string& path,
                      const std::vector<std::pair<std::string, Bytes>>& files, UnixTime mtime) {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  auto fail = [&](archive* a) {
    const std::string why =
        a != nullptr ? ArchiveError(a) : std::string("libarchive could not start");
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    return Status::Unavailable("BUNDLE_WRITE_FAILED", "cannot write " + path + ": " + why);
  };
  {
    WriteArchivePtr a(archive_write_new());
    if (!a || archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
        archive_write_add_filter_none(a.get()) != ARCHIVE_OK ||
        archive_write_open_filename(a.get(), tmp.c_str()) != ARCHIVE_OK) {
      return fail(a.get());
    }
    for (const auto& [name, data] : files) {
      EntryPtr entry(archive_entry_new());
      if (!entry) {
        return fail(a.get());
      }
      archive_entry_set_pathname(entry.get(), name.c_str());
      archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
      archive_entry_set_filetype(entry.get(), AE_IFREG);
      archive_entry_set_perm(entry.get(), 0644);
      archive_entry_set_mtime(entry.get(), mtime, 0);
      if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
        return fail(a.get());
      }
      if (!data.empty() && archive_write_data(a.get(), data.data(), data.size()) !=
                               static_cast<la_ssize_t>(data.size())) {
        return fail(a.get());
      }
    }
    if (archive_write_close(a.get()) != ARCHIVE_OK) {
      return fail(a.get());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Status::Unavailable("BUNDLE_WRITE_FAILED", "cannot write " + path);
  }
  return Status::Ok();
}

}  // namespace attest::collateral
