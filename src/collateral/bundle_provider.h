// A CollateralProvider that serves exactly the items of one bundle (collateral_bundle.h) and
// never reaches a network: for re-verifying evidence "as of" a time with exactly the
// collateral it was verified with (`attestctl verify --at T --collateral BUNDLE`). Every item is
// checked against the pinned vendor roots when loaded; anything the bundle lacks is NOT_FOUND.
#pragma once

#include <memory>
#include <string>

#include "collateral/online_collateral_provider.h"

namespace attest::collateral {

// Items are served whatever their validity: the verifier judges it at its own time, so an
// expired item is reported as expired (e.g. TCB_INFO_EXPIRED), not as missing.
// Items are checked against `anchors` (the Intel root key, the AMD ARKs).
StatusOr<std::unique_ptr<OnlineCollateralProvider>> OpenBundleProvider(
    const std::string& path, const evidence::TrustAnchors& anchors, LoadReport* report);

// True when `path` is a directory holding a bundle manifest, or a file (a tar bundle).
bool IsCollateralBundle(const std::string& path);

}  // namespace attest::collateral
