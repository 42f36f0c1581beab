// OfflineDirProvider: DCAP collateral from files in a directory, in the layout of a
// `vectors/<tee>/<case>/` folder (Intel PCS response formats):
//
//   tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json,
//   qe_identity_issuer_chain.pem, pck_crl.der (optional), pck_crl_issuer_chain.pem
//   (optional), root_ca_crl.der
//
// CRLs may also be named .pem, .crl or .hex and be DER, PEM or hex text in any of them.
//
// A directory may instead hold one such folder per FMSPC, named by the FMSPC in lower or
// upper case (`<dir>/00906ed50000/tcb_info.json`); that folder is preferred when present.
// Files are read once and kept in memory. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "collateral/collateral_provider.h"

namespace attest::collateral {

class OfflineDirProvider final : public CollateralProvider {
 public:
  explicit OfflineDirProvider(std::string dir) : dir_(std::move(dir)) {}

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override;

  // Loads the set in `folder`; exposed for tests and tools.
  static StatusOr<std::shared_ptr<const DcapCollateral>> LoadFolder(const std::string& folder);

 private:
  std::string dir_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const DcapCollateral>> loaded_;  // by folder
};

}  // namespace attest::collateral
