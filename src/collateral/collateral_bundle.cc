#include "collateral/collateral_bundle.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "collateral/bundle_tar.h"
#include "crypto/digest.h"

namespace attest::collateral {
namespace {

constexpr size_t kMaxManifestBytes = 16 * 1024 * 1024;
constexpr size_t kMaxItemBytes = 8 * 1024 * 1024;
// A tar holds the manifest, the items and at most two directory entries ("." and items/).
constexpr BundleTarLimits kTarLimits = {.max_entries = kMaxBundleItems + 3,
                                        .max_entry_bytes = kMaxManifestBytes,
                                        .max_total_bytes = 256 * 1024 * 1024};

Status Invalid(std::string message) {
  return Status::InvalidArgument("BUNDLE_INVALID", std::move(message));
}

Status WriteFile(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  out.close();
  if (!out) {
    return Status::Unavailable("BUNDLE_WRITE_FAILED", "cannot write " + path.string());
  }
  return Status::Ok();
}

// A bundle file name must stay inside the bundle: items/<digits>.bin only.
bool SafeItemFile(const std::string& f) {
  if (!f.starts_with("items/") || !f.ends_with(".bin") || f.size() > 32) {
    return false;
  }
  for (size_t i = 6; i + 4 < f.size(); ++i) {
    if (f[i] < '0' || f[i] > '9') {
      return false;
    }
  }
  return f.size() > 10;
}

}  // namespace

bool IsTarBundlePath(const std::string& path) { return path.ends_with(".tar"); }

Status WriteBundle(const std::string& path, const std::vector<StoredCollateralItem>& items,
                   UnixTime created) {
  std::vector<std::pair<std::string, Bytes>> files;
  nlohmann::json manifest = {{"format", "attestd-collateral-bundle"},
                             {"version", 1},
                             {"created", FormatRfc3339(created)},
                             {"items", nlohmann::json::array()}};
  for (size_t i = 0; i < items.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "items/%04zu.bin", i + 1);
    const StoredCollateralItem& item = items[i];
    files.emplace_back(name, item.body);
    nlohmann::json headers = nlohmann::json::array();
    for (const auto& [k, v] : item.headers) {
      headers.push_back({k, v});
    }
    manifest["items"].push_back({{"key", item.key},
                                 {"url", item.url},
                                 {"file", name},
                                 {"sha256", HexEncode(crypto::Sha256(item.body))},
                                 {"headers", headers},
                                 {"fetched_at", FormatRfc3339(item.fetched_at)}});
  }
  const std::string text =
      manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  if (IsTarBundlePath(path)) {
    files.insert(files.begin(), {"manifest.json", Bytes(text.begin(), text.end())});
    return WriteBundleTar(path, files, created);
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path) / "items", ec);
  if (ec) {
    return Status::Unavailable("BUNDLE_WRITE_FAILED", "cannot create " + path);
  }
  for (const auto& [name, body] : files) {
    if (Status s = WriteFile(std::filesystem::path(path) / name, AsChars(body)); !s.ok()) {
      return s;
    }
  }
  return WriteFile(std::filesystem::path(path) / "manifest.json", text);
}

namespace {

// A bundle's manifest and the item files it names, read through `read_file` (name, cap);
// `where` names the bundle's files in messages ("DIR/", "the tar's ").
StatusOr<std::vector<StoredCollateralItem>> ReadBundleFiles(
    const std::string& where,
    const std::function<StatusOr<Bytes>(const std::string&, size_t)>& read_file) {
  auto manifest = read_file("manifest.json", kMaxManifestBytes);
  if (!manifest) {
    return Err(Invalid("cannot read " + where + "manifest.json: " + manifest.error().message()));
  }
  nlohmann::json m = nlohmann::json::parse(manifest->begin(), manifest->end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (!m.is_object() || m.value("format", "") != "attestd-collateral-bundle" ||
      !m.contains("version") || m["version"] != 1 || !m.contains("items") ||
      !m["items"].is_array()) {
    return Err(Invalid("manifest.json is not an attestd collateral bundle manifest (version 1)"));
  }
  if (m["items"].size() > kMaxBundleItems) {
    return Err(Invalid("too many items"));
  }
  std::vector<StoredCollateralItem> out;
  for (const auto& e : m["items"]) {
    if (!e.is_object() || !e.contains("key") || !e["key"].is_string() || !e.contains("file") ||
        !e["file"].is_string() || !e.contains("sha256") || !e["sha256"].is_string() ||
        !e.contains("headers") || !e.contains("fetched_at") || !e["fetched_at"].is_string()) {
      return Err(Invalid("a manifest item lacks key, file, sha256, headers or fetched_at"));
    }
    StoredCollateralItem item;
    item.key = e["key"].get<std::string>();
    item.url = e.contains("url") && e["url"].is_string() ? e["url"].get<std::string>() : "";
    const std::string file = e["file"].get<std::string>();
    if (!SafeItemFile(file)) {
      return Err(Invalid("item file name '" + file + "' is not allowed"));
    }
    auto body = read_file(file, kMaxItemBytes);
    if (!body) {
      return Err(Invalid("cannot read " + file + " (" + item.key + "): " + body.error().message()));
    }
    if (HexEncode(crypto::Sha256(*body)) != e["sha256"].get<std::string>()) {
      return Err(Invalid(file + " does not match its sha256 in the manifest (" + item.key + ")"));
    }
    item.body = std::move(*body);
    auto headers = HeadersFromJson(e["headers"].dump());
    if (!headers) {
      return Err(Invalid("headers of " + item.key + " are malformed"));
    }
    item.headers = std::move(*headers);
    auto fetched = ParseRfc3339(e["fetched_at"].get<std::string>());
    if (!fetched) {
      return Err(Invalid("fetched_at of " + item.key + " is not RFC 3339"));
    }
    item.fetched_at = *fetched;
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace

StatusOr<std::vector<StoredCollateralItem>> ReadTarBundle(ByteSpan tar) {
  ATTEST_ASSIGN_OR_RETURN(auto files, ReadBundleTar(tar, kTarLimits));
  for (const auto& [name, body] : files) {
    if (name != "manifest.json" && !SafeItemFile(name)) {
      return Err(
          Invalid("tar entry '" + name + "' is not a bundle file (manifest.json, items/NNNN.bin)"));
    }
  }
  return ReadBundleFiles(
      "the tar's ", [&files](const std::string& name, size_t max) -> StatusOr<Bytes> {
        auto it = files.find(name);
        if (it == files.end()) {
          return Err(Invalid("the tar has no " + name));
        }
        if (it->second.size() > max) {
          return Err(Invalid(name + " is larger than " + std::to_string(max) + " bytes"));
        }
        return it->second;
      });
}

StatusOr<std::vector<StoredCollateralItem>> ReadBundle(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(path, ec)) {
    // A tar is read whole, capped at its contents' cap plus room for tar headers.
    auto tar = ReadFileBytes(path, kTarLimits.max_total_bytes + 16 * 1024 * 1024);
    if (!tar) {
      return Err(Invalid("cannot read " + path + ": " + tar.error().message()));
    }
    return ReadTarBundle(*tar);
  }
  return ReadBundleFiles(path + "/", [&path](const std::string& name, size_t max) {
    return ReadFileBytes(path + "/" + name, max);
  });
}

}  // namespace attest::collateral
