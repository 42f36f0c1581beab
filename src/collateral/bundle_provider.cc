#include "collateral/bundle_provider.h"

#include <filesystem>
#include <limits>

#include "base/file.h"
#include "collateral/collateral_bundle.h"

namespace attest::collateral {
namespace {

// Every fetch answers "not published": a bundle is all there is.
class NothingElseGetter final : public HttpsGetter {
 public:
  StatusOr<HttpsResponse> Get(const std::string&) override {
    HttpsResponse r;
    r.status = 404;
    return r;
  }
};

}  // namespace

bool IsCollateralBundle(const std::string& path) {
  // A directory with a manifest, or a file: a tar bundle (ReadBundle says if it is not one).
  std::error_code ec;
  return FileExists(path + "/manifest.json") || std::filesystem::is_regular_file(path, ec);
}

StatusOr<std::unique_ptr<OnlineCollateralProvider>> OpenBundleProvider(
    const std::string& path, const evidence::TrustAnchors& anchors, LoadReport* report) {
  // A validity clock before every item's issue date: the cache never considers one stale.
  static const FixedClock kBeforeEverything(std::numeric_limits<int64_t>::min() / 2);
  ATTEST_ASSIGN_OR_RETURN(auto items, ReadBundle(path));
  OnlineCollateralOptions options;
  options.pcs.emplace();
  options.kds.emplace();
  options.intel_root_spki = anchors.intel_sgx_root_spki;
  options.amd_ark_pins = anchors.amd_arks;
  auto provider = std::make_unique<OnlineCollateralProvider>(std::make_unique<NothingElseGetter>(),
                                                             kBeforeEverything, SystemClock::Get(),
                                                             nullptr, options);
  LoadReport loaded = provider->Import(items);
  if (report != nullptr) {
    *report = loaded;
  }
  return provider;
}

}  // namespace attest::collateral
