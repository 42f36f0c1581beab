#include "collateral/offline_dir_provider.h"

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/file.h"
#include "base/reasons.h"

namespace attest::collateral {
namespace {

// Collateral files are a few KiB; PCK CRLs of large CAs reach a few hundred KiB.
constexpr size_t kMaxCollateralFile = 4 * 1024 * 1024;

// One collateral item: what it is (for client messages) and the file names it may have.
struct Item {
  const char* what;
  std::vector<std::string> names;
};

std::vector<std::string> CrlNames(const std::string& stem) {
  return {stem + ".der", stem + ".pem", stem + ".crl", stem + ".hex"};
}

// A failure while loading: `detail` names files and folders (server log, local tools);
// `what` names only the item (client messages).
struct LoadFailure {
  Status detail;
  std::string what;
};

// The first of `item.names` present in `folder`; nullopt if none is.
StatusOr<std::optional<Bytes>> ReadFirst(const std::string& folder, const Item& item,
                                         LoadFailure* failure) {
  for (const std::string& name : item.names) {
    auto b = ReadFileBytes(folder + "/" + name, kMaxCollateralFile);
    if (b) {
      return std::optional<Bytes>(std::move(*b));
    }
    if (b.error().code() != StatusCode::kNotFound) {
      *failure = {b.error(), item.what};
      return Err(Status::Unavailable(reason::kCollateralUnavailable,
                                     std::string(item.what) + " could not be read"));
    }
  }
  return std::optional<Bytes>();
}

StatusOr<Bytes> ReadRequired(const std::string& folder, const Item& item, LoadFailure* failure) {
  ATTEST_ASSIGN_OR_RETURN(std::optional<Bytes> b, ReadFirst(folder, item, failure));
  if (!b) {
    *failure = {
        Status::NotFound(reason::kCollateralMissing,
                         "collateral file " + item.names.front() + " not found in " + folder),
        item.what};
    return Err(
        Status::NotFound(reason::kCollateralMissing, std::string(item.what) + " is missing"));
  }
  return std::move(*b);
}

// Reads the set; on failure `failure` holds the detailed status and the item.
StatusOr<std::shared_ptr<const DcapCollateral>> Load(const std::string& folder, PckCa pck_ca,
                                                     LoadFailure* failure) {
  const std::string ca(PckCaName(pck_ca));
  auto c = std::make_shared<DcapCollateral>();
  c->provenance = Provenance::kHeldByServer;
  ATTEST_ASSIGN_OR_RETURN(c->tcb_info,
                          ReadRequired(folder, {"TCB info", {"tcb_info.json"}}, failure));
  ATTEST_ASSIGN_OR_RETURN(
      c->tcb_info_issuer_chain,
      ReadRequired(folder, {"TCB info issuer chain", {"tcb_info_issuer_chain.pem"}}, failure));
  ATTEST_ASSIGN_OR_RETURN(c->qe_identity,
                          ReadRequired(folder, {"QE identity", {"qe_identity.json"}}, failure));
  ATTEST_ASSIGN_OR_RETURN(
      c->qe_identity_issuer_chain,
      ReadRequired(folder, {"QE identity issuer chain", {"qe_identity_issuer_chain.pem"}},
                   failure));
  ATTEST_ASSIGN_OR_RETURN(c->root_ca_crl,
                          ReadRequired(folder, {"Root CA CRL", CrlNames("root_ca_crl")}, failure));
  // The CRL of the quote's own PCK CA when the folder holds one per CA (Intel publishes a
  // Processor CA and a Platform CA CRL), else the folder's only PCK CRL.
  std::vector<std::string> crl_names = CrlNames("pck_crl_" + ca);
  bool per_ca = false;
  for (const std::string& n : crl_names) {
    per_ca = per_ca || FileExists(folder + "/" + n);
  }
  if (per_ca) {
    ATTEST_ASSIGN_OR_RETURN(c->pck_crl, ReadFirst(folder, {"PCK CRL", crl_names}, failure));
    ATTEST_ASSIGN_OR_RETURN(
        c->pck_crl_issuer_chain,
        ReadFirst(folder,
                  {"PCK CRL issuer chain",
                   {"pck_crl_issuer_chain_" + ca + ".pem", "pck_crl_issuer_chain.pem"}},
                  failure));
  } else {
    ATTEST_ASSIGN_OR_RETURN(c->pck_crl, ReadFirst(folder, {"PCK CRL", CrlNames("pck_crl")}, failure));
    ATTEST_ASSIGN_OR_RETURN(
        c->pck_crl_issuer_chain,
        ReadFirst(folder, {"PCK CRL issuer chain", {"pck_crl_issuer_chain.pem"}}, failure));
  }
  return std::shared_ptr<const DcapCollateral>(std::move(c));
}

}  // namespace

StatusOr<std::shared_ptr<const DcapCollateral>> OfflineDirProvider::LoadFolder(
    const std::string& folder, PckCa pck_ca) {
  LoadFailure failure;
  auto got = Load(folder, pck_ca, &failure);
  if (!got) {
    return Err(failure.detail);
  }
  return got;
}

std::string OfflineDirProvider::FolderFor(const DcapCollateralRequest& request) const {
  const std::string tee(DcapTeeName(request.tee));
  std::string lower = request.fmspc;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  std::vector<std::string> candidates;
  for (const std::string& f : {lower, request.fmspc}) {
    if (!f.empty()) {
      candidates.push_back(dir_ + "/" + tee + "/" + f);
      candidates.push_back(dir_ + "/" + f + "/" + tee);
    }
  }
  candidates.push_back(dir_ + "/" + tee);
  for (const std::string& f : {lower, request.fmspc}) {
    if (!f.empty()) {
      candidates.push_back(dir_ + "/" + f);
    }
  }
  for (const std::string& folder : candidates) {
    if (FileExists(folder + "/tcb_info.json")) {
      return folder;
    }
  }
  return dir_;
}

StatusOr<std::shared_ptr<const DcapCollateral>> OfflineDirProvider::GetDcapCollateral(
    const DcapCollateralRequest& request) {
  const std::string folder = FolderFor(request);
  LoadFailure failure;
  auto got = Load(folder, request.pck_ca, &failure);
  if (!got) {
    // The client learns what is missing for which platform; the log also learns where.
    const std::string platform = std::string(request.tee == DcapTee::kTdx ? "TDX" : "SGX") +
                                 " FMSPC " + request.fmspc + " (PCK " +
                                 std::string(PckCaName(request.pck_ca)) + " CA)";
    if (diagnostics_) {
      diagnostics_("offline collateral for " + platform + ": " + failure.detail.ToString());
    }
    return Err(Status(got.error().code(), got.error().reason(),
                      "collateral for " + platform + ": " + got.error().message()));
  }
  return got;
}

}  // namespace attest::collateral
