#include "collateral/collateral_bundle.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/digest.h"

namespace attest::collateral {
namespace {

constexpr size_t kMaxManifestBytes = 16 * 1024 * 1024;
constexpr size_t kMaxItemBytes = 8 * 1024 * 1024;

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

Status WriteBundle(const std::string& dir, const std::vector<StoredCollateralItem>& items,
                   UnixTime created) {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(dir) / "items", ec);
  if (ec) {
    return Status::Unavailable("BUNDLE_WRITE_FAILED", "cannot create " + dir);
  }
  nlohmann::json manifest = {{"format", "attestd-collateral-bundle"},
                             {"version", 1},
                             {"created", FormatRfc3339(created)},
                             {"items", nlohmann::json::array()}};
  for (size_t i = 0; i < items.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "items/%04zu.bin", i + 1);
    const StoredCollateralItem& item = items[i];
    Status s = WriteFile(std::filesystem::path(dir) / name, AsChars(item.body));
    if (!s.ok()) {
      return s;
    }
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
  return WriteFile(std::filesystem::path(dir) / "manifest.json",
                   manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

StatusOr<std::vector<StoredCollateralItem>> ReadBundle(const std::string& dir) {
  auto text = ReadFileText(dir + "/manifest.json", kMaxManifestBytes);
  if (!text) {
    return Err(Invalid("cannot read " + dir + "/manifest.json"));
  }
  nlohmann::json m = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
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
    auto body = ReadFileBytes(dir + "/" + file, kMaxItemBytes);
    if (!body) {
      return Err(Invalid("cannot read " + file + " (" + item.key + ")"));
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

}  // namespace attest::collateral
