// OfflineDirProvider: the AMD SEV-SNP kinds (layout in offline_dir_provider.h).
#include <algorithm>
#include <cctype>
#include <vector>

#include "base/file.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/x509.h"

namespace attest::collateral {
namespace {

// AMD certificates are ~1.3-2.3 KiB; a chain file holds three.
constexpr size_t kMaxAmdFile = 256 * 1024;

bool IsDirectory(const std::string& path) { return FileExists(path + "/."); }

// Every certificate in the first existing file of each name, DER or PEM.
StatusOr<std::vector<crypto::Certificate>> ReadCertificates(const std::string& folder,
                                                            const std::vector<std::string>& names) {
  std::vector<crypto::Certificate> out;
  for (const std::string& name : names) {
    auto bytes = ReadFileBytes(folder + "/" + name, kMaxAmdFile);
    if (!bytes) {
      if (bytes.error().code() == StatusCode::kNotFound) continue;
      return Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", "an AMD certificate file could not be read"));
    }
    std::string_view text(reinterpret_cast<const char*>(bytes->data()), bytes->size());
    if (text.find("-----BEGIN CERTIFICATE-----") != std::string_view::npos) {
      auto certs = crypto::Certificate::ParsePemChain(text);
      if (!certs) {
        return Err(Status::InvalidCollateral("SNP_CERT_CHAIN_INVALID",
                                             "an AMD certificate held by the server does not parse")
                       .WithProvenance(Provenance::kHeldByServer));
      }
      for (auto& c : *certs) out.push_back(std::move(c));
    } else {
      auto cert = crypto::Certificate::FromDer(*bytes);
      if (!cert) {
        return Err(Status::InvalidCollateral("SNP_CERT_CHAIN_INVALID",
                                             "an AMD certificate held by the server does not parse")
                       .WithProvenance(Provenance::kHeldByServer));
      }
      out.push_back(std::move(*cert));
    }
  }
  return out;
}

const std::vector<std::string> kAllCertFiles = {
    "vcek.der", "vcek.pem", "vlek.der", "vlek.pem", "ask.der", "ask.pem", "asvk.der", "asvk.pem",
    "ark.der", "ark.pem", "ask_ark.pem", "asvk_ark.pem", "cert_chain.pem", "vcek_chain.pem",
    "vlek_chain.pem"};

bool IsEk(const crypto::Certificate& c, AmdSigningKey key) {
  return c.SubjectCommonName() == (key == AmdSigningKey::kVlek ? "SEV-VLEK" : "SEV-VCEK");
}

bool IsIntermediate(const crypto::Certificate& c, AmdSigningKey key) {
  const std::string cn = c.SubjectCommonName();
  if (c.IsSelfIssued() || cn == "SEV-VCEK" || cn == "SEV-VLEK") return false;
  return (key == AmdSigningKey::kVlek) == cn.starts_with("SEV-VLEK-");
}

Status Missing(const std::string& what) {
  return Status::NotFound("COLLATERAL_MISSING", "no " + what + " is held");
}

}  // namespace

std::string OfflineDirProvider::AmdFolderFor(const std::string& product) const {
  std::string lower = product;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  for (const std::string& name : {product, lower}) {
    if (!name.empty() && IsDirectory(dir_ + "/" + name)) return dir_ + "/" + name;
  }
  return dir_;
}

StatusOr<std::shared_ptr<const AmdCertificate>> OfflineDirProvider::GetAmdEkCertificate(
    const AmdEkCertificateRequest& request) {
  ATTEST_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                          ReadCertificates(AmdFolderFor(request.product), kAllCertFiles));
  for (const crypto::Certificate& c : certs) {
    if (IsEk(c, request.key)) {
      return std::make_shared<const AmdCertificate>(AmdCertificate{c.der(), Provenance::kHeldByServer});
    }
  }
  return Err(Missing(std::string(request.key == AmdSigningKey::kVlek ? "VLEK" : "VCEK") +
                     " certificate for " + request.product));
}

StatusOr<std::shared_ptr<const AmdCaChain>> OfflineDirProvider::GetAmdCaChain(
    const AmdCaChainRequest& request) {
  ATTEST_ASSIGN_OR_RETURN(std::vector<crypto::Certificate> certs,
                          ReadCertificates(AmdFolderFor(request.product), kAllCertFiles));
  const crypto::Certificate* intermediate = nullptr;
  const crypto::Certificate* ark = nullptr;
  for (const crypto::Certificate& c : certs) {
    if (!intermediate && IsIntermediate(c, request.key)) intermediate = &c;
    if (!ark && c.IsSelfIssued()) ark = &c;
  }
  if (!intermediate || !ark) {
    return Err(Missing(std::string(request.key == AmdSigningKey::kVlek ? "ASVK" : "ASK") +
                       "/ARK chain for " + request.product));
  }
  return std::make_shared<const AmdCaChain>(
      AmdCaChain{intermediate->der(), ark->der(), Provenance::kHeldByServer});
}

StatusOr<std::shared_ptr<const AmdCrl>> OfflineDirProvider::GetAmdCrl(const AmdCrlRequest& request) {
  const std::string folder = AmdFolderFor(request.product);
  std::vector<std::string> stems = request.key == AmdSigningKey::kVlek
                                       ? std::vector<std::string>{"vlek_crl"}
                                       : std::vector<std::string>{"vcek_crl", "crl"};
  for (const std::string& stem : stems) {
    for (const char* ext : {".der", ".pem", ".crl"}) {
      auto bytes = ReadFileBytes(folder + "/" + stem + ext, kMaxAmdFile);
      if (bytes) {
        return std::make_shared<const AmdCrl>(AmdCrl{std::move(*bytes), Provenance::kHeldByServer});
      }
      if (bytes.error().code() != StatusCode::kNotFound) {
        return Err(Status::Unavailable("COLLATERAL_UNAVAILABLE", "the AMD CRL could not be read"));
      }
    }
  }
  return Err(Missing("AMD CRL for " + request.product));
}

}  // namespace attest::collateral
