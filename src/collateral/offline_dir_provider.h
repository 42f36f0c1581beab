// OfflineDirProvider: DCAP collateral the server holds as files in a directory, in the layout
// of a `vectors/<tee>/<case>/` folder (Intel PCS response formats):
//
//   tcb_info.json, tcb_info_issuer_chain.pem, qe_identity.json,
//   qe_identity_issuer_chain.pem, pck_crl.der (optional), pck_crl_issuer_chain.pem
//   (optional), root_ca_crl.der
//
// CRLs may also be named .pem, .crl or .hex and be DER, PEM or hex text in any of them.
//
// One directory may hold collateral for several platforms, TEEs and PCK CAs. The folder for a
// request is the first of these that holds a tcb_info.json (FMSPC in lower or upper case):
//
//   <dir>/<tee>/<fmspc>/   <dir>/<fmspc>/<tee>/   <dir>/<tee>/   <dir>/<fmspc>/   <dir>/
//
// where <tee> is `sgx` or `tdx` (SGX and TDX TCB info and QE identities differ). In that folder
// `pck_crl_processor.*` / `pck_crl_platform.*` (and `pck_crl_issuer_chain_<ca>.pem`) are
// preferred over `pck_crl.*` for the quote's PCK CA.
//
// AMD SEV-SNP certificates (offline_dir_provider_amd.cc) are read from `<dir>/<Product>/`
// (Milan, Genoa, Turin; any case) when that folder exists, else from `<dir>/`, in the layout
// of a `vectors/snp/<case>/` folder: the endorsement key certificate `vcek.der`/`vcek.pem`
// (or `vlek.*`), the intermediate `ask.*` (or `asvk.*`) and `ark.*`, or both in
// `ask_ark.pem` / `asvk_ark.pem` / `cert_chain.pem`, or everything in `vcek_chain.pem` /
// `vlek_chain.pem`; each file DER or PEM. Certificates are sorted by subject (SEV-VCEK /
// SEV-VLEK, SEV-VLEK-<P> / SEV-<P>, self-signed ARK). The CRL is `vlek_crl.*` (VLEK) or
// `crl.*` / `vcek_crl.*`, DER or PEM.
//
// Files are read at every request: wrap this source in a CachingCollateralProvider
// (provider_wrappers.h) to keep them in memory. Results are Provenance::kHeldByServer.
// Failure messages name the missing item, never the directory (they reach clients); the
// paths go to the optional diagnostics sink (the server log). Thread-safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "collateral/collateral_provider.h"

namespace attest::collateral {

class OfflineDirProvider final : public CollateralProvider {
 public:
  using DiagnosticSink = std::function<void(std::string_view)>;

  explicit OfflineDirProvider(std::string dir, DiagnosticSink diagnostics = {})
      : dir_(std::move(dir)), diagnostics_(std::move(diagnostics)) {}

  StatusOr<std::shared_ptr<const DcapCollateral>> GetDcapCollateral(
      const DcapCollateralRequest& request) override;

  StatusOr<std::shared_ptr<const AmdCertificate>> GetAmdEkCertificate(
      const AmdEkCertificateRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCaChain>> GetAmdCaChain(
      const AmdCaChainRequest& request) override;
  StatusOr<std::shared_ptr<const AmdCrl>> GetAmdCrl(const AmdCrlRequest& request) override;

  // Loads the set in `folder` for a quote whose PCK CA is `pck_ca`; exposed for tests and
  // tools. Its failure messages name the files and folder (for local use only).
  static StatusOr<std::shared_ptr<const DcapCollateral>> LoadFolder(
      const std::string& folder, PckCa pck_ca = PckCa::kPlatform);

  // The folder GetDcapCollateral reads for `request` (the directory itself if no more specific
  // folder holds a tcb_info.json).
  std::string FolderFor(const DcapCollateralRequest& request) const;
  // The folder AMD requests of `product` read.
  std::string AmdFolderFor(const std::string& product) const;

 private:
  std::string dir_;
  DiagnosticSink diagnostics_;
};

}  // namespace attest::collateral
