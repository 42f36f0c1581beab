// The AMD SEV-SNP kinds of OfflineDirProvider: the vectors' layouts (separate DER/PEM files,
// ask_ark.pem, one vcek_chain.pem), product sub-folders, VCEK vs VLEK roles, the CRL.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "collateral/offline_dir_provider.h"
#include "testing/amd_world.h"

namespace attest::collateral {
namespace {

namespace fs = std::filesystem;

class ScratchDir {
 public:
  ScratchDir() {
    std::string t = (fs::temp_directory_path() / "attestd-amd-XXXXXX").string();
    path_ = mkdtemp(t.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void Write(const std::string& rel, ByteSpan data) const {
    fs::path p = fs::path(path_) / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(data.data()),
                                             static_cast<std::streamsize>(data.size()));
  }
  void Write(const std::string& rel, const std::string& text) const {
    Write(rel, ByteSpan(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }

 private:
  std::string path_;
};

std::string Pem(const Bytes& der) {
  const unsigned char* p = der.data();
  std::shared_ptr<X509> x(d2i_X509(nullptr, &p, static_cast<long>(der.size())), X509_free);
  return testing::AmdTestCert{x, nullptr}.Pem();
}

TEST(OfflineDirAmdTest, ReadsSeparateFilesInDerAndPem) {
  testing::AmdCase c = testing::AmdWorld::Milan().Build();
  ScratchDir dir;
  dir.Write("vcek.der", c.ek_der);
  dir.Write("ask.pem", Pem(c.intermediate_der));
  dir.Write("ark.der", c.ark_der);
  OfflineDirProvider p(dir.path());
  auto ek = p.GetAmdEkCertificate({AmdSigningKey::kVcek, "Milan", {}, 0});
  ASSERT_TRUE(ek.has_value()) << ek.error().ToString();
  EXPECT_EQ((*ek)->der, c.ek_der);
  auto chain = p.GetAmdCaChain({AmdSigningKey::kVcek, "Milan"});
  ASSERT_TRUE(chain.has_value()) << chain.error().ToString();
  EXPECT_EQ((*chain)->intermediate_der, c.intermediate_der);
  EXPECT_EQ((*chain)->ark_der, c.ark_der);
  EXPECT_EQ((*chain)->provenance, Provenance::kHeldByServer);
  // No VLEK side here.
  EXPECT_EQ(p.GetAmdEkCertificate({AmdSigningKey::kVlek, "Milan", {}, 0}).error().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(p.GetAmdCaChain({AmdSigningKey::kVlek, "Milan"}).error().code(), StatusCode::kNotFound);
  EXPECT_EQ(p.GetAmdCrl({AmdSigningKey::kVcek, "Milan"}).error().code(), StatusCode::kNotFound);
}

TEST(OfflineDirAmdTest, ReadsOneChainFileAndPrefersTheProductFolder) {
  testing::AmdCase milan = testing::AmdWorld::Milan().Build();
  testing::AmdCase turin = testing::AmdWorld::Turin().Build();
  ScratchDir dir;
  dir.Write("vcek_chain.pem", milan.ChainPem());
  dir.Write("turin/vcek_chain.pem", turin.ChainPem());
  OfflineDirProvider p(dir.path());
  EXPECT_EQ((*p.GetAmdEkCertificate({AmdSigningKey::kVcek, "Milan", {}, 0}))->der, milan.ek_der);
  EXPECT_EQ((*p.GetAmdEkCertificate({AmdSigningKey::kVcek, "Turin", {}, 0}))->der, turin.ek_der);
  EXPECT_EQ((*p.GetAmdCaChain({AmdSigningKey::kVcek, "Turin"}))->ark_der, turin.ark_der);
}

TEST(OfflineDirAmdTest, SortsVlekChainFromAskArkFile) {
  testing::AmdCase c = testing::AmdWorld::MilanVlek().Build();
  ScratchDir dir;
  dir.Write("vlek.pem", Pem(c.ek_der));
  dir.Write("asvk_ark.pem", Pem(c.intermediate_der) + Pem(c.ark_der));
  dir.Write("vlek_crl.der", Bytes{0x30, 0x00});
  OfflineDirProvider p(dir.path());
  EXPECT_EQ((*p.GetAmdEkCertificate({AmdSigningKey::kVlek, "Milan", {}, 0}))->der, c.ek_der);
  auto chain = p.GetAmdCaChain({AmdSigningKey::kVlek, "Milan"});
  ASSERT_TRUE(chain.has_value());
  EXPECT_EQ((*chain)->intermediate_der, c.intermediate_der);
  EXPECT_EQ((*p.GetAmdCrl({AmdSigningKey::kVlek, "Milan"}))->der, (Bytes{0x30, 0x00}));
  // The ASVK is not an ASK.
  EXPECT_EQ(p.GetAmdCaChain({AmdSigningKey::kVcek, "Milan"}).error().code(), StatusCode::kNotFound);
}

TEST(OfflineDirAmdTest, UnparsableCertificateIsTheServersProblem) {
  ScratchDir dir;
  dir.Write("vcek.pem", std::string("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"));
  OfflineDirProvider p(dir.path());
  auto r = p.GetAmdEkCertificate({AmdSigningKey::kVcek, "Milan", {}, 0});
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "SNP_CERT_CHAIN_INVALID");
  EXPECT_EQ(r.error().provenance(), Provenance::kHeldByServer);
}

}  // namespace
}  // namespace attest::collateral
