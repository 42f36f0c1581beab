#include "collateral/offline_dir_provider.h"

#include <algorithm>
#include <cctype>

#include "base/file.h"

namespace attest::collateral {
namespace {

// Collateral files are a few KiB; PCK CRLs of large CAs reach a few hundred KiB.
constexpr size_t kMaxCollateralFile = 4 * 1024 * 1024;

StatusOr<Bytes> ReadRequired(const std::string& folder, const char* name) {
  auto b = ReadFileBytes(folder + "/" + name, kMaxCollateralFile);
  if (!b) {
    if (b.error().code() == StatusCode::kNotFound) {
      return Err(Status::NotFound("COLLATERAL_MISSING",
                                  std::string("collateral file ") + name + " not found in " +
                                      folder));
    }
    return Err(b.error());
  }
  return b;
}

// The first of `names` present in `folder` (CRLs are published as DER, PEM or hex text;
// Crl::Parse detects the encoding, so only the file name varies).
StatusOr<std::optional<Bytes>> ReadFirst(const std::string& folder,
                                         std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto b = ReadFileBytes(folder + "/" + name, kMaxCollateralFile);
    if (b) return std::optional<Bytes>(std::move(*b));
    if (b.error().code() != StatusCode::kNotFound) return Err(b.error());
  }
  return std::optional<Bytes>();
}

}  // namespace

StatusOr<std::shared_ptr<const DcapCollateral>> OfflineDirProvider::LoadFolder(
    const std::string& folder) {
  auto c = std::make_shared<DcapCollateral>();
  ATTEST_ASSIGN_OR_RETURN(c->tcb_info, ReadRequired(folder, "tcb_info.json"));
  ATTEST_ASSIGN_OR_RETURN(c->tcb_info_issuer_chain,
                          ReadRequired(folder, "tcb_info_issuer_chain.pem"));
  ATTEST_ASSIGN_OR_RETURN(c->qe_identity, ReadRequired(folder, "qe_identity.json"));
  ATTEST_ASSIGN_OR_RETURN(c->qe_identity_issuer_chain,
                          ReadRequired(folder, "qe_identity_issuer_chain.pem"));
  ATTEST_ASSIGN_OR_RETURN(auto root_crl,
                          ReadFirst(folder, {"root_ca_crl.der", "root_ca_crl.pem", "root_ca_crl.crl",
                                             "root_ca_crl.hex"}));
  if (!root_crl) {
    return Err(Status::NotFound("COLLATERAL_MISSING",
                                "collateral file root_ca_crl.der not found in " + folder));
  }
  c->root_ca_crl = std::move(*root_crl);
  ATTEST_ASSIGN_OR_RETURN(c->pck_crl, ReadFirst(folder, {"pck_crl.der", "pck_crl.pem",
                                                         "pck_crl.crl", "pck_crl.hex"}));
  ATTEST_ASSIGN_OR_RETURN(c->pck_crl_issuer_chain, ReadFirst(folder, {"pck_crl_issuer_chain.pem"}));
  return std::shared_ptr<const DcapCollateral>(std::move(c));
}

StatusOr<std::shared_ptr<const DcapCollateral>> OfflineDirProvider::GetDcapCollateral(
    const DcapCollateralRequest& request) {
  std::string folder = dir_;
  std::string lower = request.fmspc;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (const std::string& sub : {lower, request.fmspc}) {
    if (!sub.empty() && FileExists(dir_ + "/" + sub + "/tcb_info.json")) {
      folder = dir_ + "/" + sub;
      break;
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = loaded_.find(folder);
  if (it != loaded_.end()) return it->second;
  ATTEST_ASSIGN_OR_RETURN(auto set, LoadFolder(folder));
  loaded_.emplace(folder, set);
  return set;
}

}  // namespace attest::collateral
