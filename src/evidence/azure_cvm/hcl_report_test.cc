#include "evidence/azure_cvm/hcl_report.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <string>

#include "base/encoding.h"
#include "base/file.h"
#include "crypto/digest.h"
#include "evidence/azure_cvm/variable_data.h"

namespace attest::evidence::azure_cvm {
namespace {

std::string VectorsDir() {
  const char* v = std::getenv("ATTESTD_VECTORS");
  return v && *v ? v : ATTESTD_VECTORS_DEFAULT;
}

void PutLe32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A well-formed HCL report around `var` whose hardware report binds it (SHA-256).
constexpr std::string_view kVarData =
    R"({"keys":[{"kid":"HCLAkPub","key_ops":["encrypt"],"kty":"EC","crv":"P-256",)"
    R"("x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",)"
    R"("y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}],)"
    R"("vm-configuration":{"secure-boot":true},"user-data":")"
    "00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"}";

Bytes BuildHcl(HclReportType type, std::string_view var = kVarData, uint32_t hash_type = 1,
               size_t nv_size = 2600) {
  Bytes b(std::max(nv_size, kHclVariableDataOffset + var.size()), 0);
  PutLe32(b, 0, 0x414C4348);
  PutLe32(b, 4, 1);
  PutLe32(b, 8, static_cast<uint32_t>(kHclVariableDataOffset + var.size()));
  PutLe32(b, 12, 2);
  PutLe32(b, 0x4C0, static_cast<uint32_t>(20 + var.size()));
  PutLe32(b, 0x4C4, 1);
  PutLe32(b, 0x4C8, static_cast<uint32_t>(type));
  PutLe32(b, 0x4CC, hash_type);
  PutLe32(b, 0x4D0, static_cast<uint32_t>(var.size()));
  std::copy(var.begin(), var.end(), b.begin() + kHclVariableDataOffset);
  crypto::Sha2 alg = hash_type == 2 ? crypto::Sha2::kSha384
                     : hash_type == 3 ? crypto::Sha2::kSha512
                                      : crypto::Sha2::kSha256;
  Bytes digest = crypto::Sha2Digest(alg, AsBytes(var));
  size_t report_data = 0x20 + (type == HclReportType::kTdx ? 128 : 0x50);
  std::copy(digest.begin(), digest.end(), b.begin() + report_data);
  return b;
}

std::string ReasonOf(ByteSpan hcl) {
  auto r = ParseHclReport(hcl);
  return r.has_value() ? "parsed" : r.error().reason();
}

TEST(HclReportTest, ParsesAndBindsASnpReport) {
  Bytes hcl = BuildHcl(HclReportType::kSnp);
  auto r = ParseHclReport(hcl);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->report_type, HclReportType::kSnp);
  EXPECT_EQ(r->hardware_report.size(), kSnpReportSize);
  EXPECT_EQ(r->hardware_report.data(), hcl.data() + 0x20);
  EXPECT_EQ(AsChars(r->variable_data), kVarData);
  EXPECT_TRUE(CheckVariableDataBinding(*r, HardwareReportData(*r)).ok());

  auto vars = ParseHclVariableData(r->variable_data);
  ASSERT_TRUE(vars.has_value()) << vars.error().ToString();
  EXPECT_TRUE(vars->ak_public);  // selected by kid although key_ops says "encrypt"
  EXPECT_FALSE(vars->ek_public);
  ASSERT_TRUE(vars->user_data.has_value());  // either hex case
  EXPECT_EQ(HexEncode(*vars->user_data),
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  EXPECT_EQ(vars->claims["vm-configuration"]["secure-boot"], true);
}

TEST(HclReportTest, BindsWithEveryHashType) {
  for (uint32_t hash_type : {1u, 2u, 3u}) {
    Bytes hcl = BuildHcl(HclReportType::kSnp, kVarData, hash_type);
    auto r = ParseHclReport(hcl);
    ASSERT_TRUE(r.has_value()) << hash_type;
    EXPECT_TRUE(CheckVariableDataBinding(*r, HardwareReportData(*r)).ok()) << hash_type;
    // The binding is to the hash the report names: a commitment made with this hash type fails
    // once the report names another.
    Bytes other = BuildHcl(HclReportType::kSnp, kVarData, hash_type);
    PutLe32(other, 0x4CC, hash_type == 1 ? 2 : 1);
    auto o = ParseHclReport(other);
    ASSERT_TRUE(o.has_value());
    EXPECT_FALSE(CheckVariableDataBinding(*o, HardwareReportData(*o)).ok()) << hash_type;
  }
}

TEST(HclReportTest, TdxReportDataIsInTheReportMacStruct) {
  Bytes hcl = BuildHcl(HclReportType::kTdx);
  auto r = ParseHclReport(hcl);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->hardware_report.size(), kTdReportSize);
  EXPECT_EQ(HardwareReportData(*r).data(), hcl.data() + 0x20 + 128);
  EXPECT_TRUE(CheckVariableDataBinding(*r, HardwareReportData(*r)).ok());
  hcl[0x20 + kTdReportSize + 5] = 1;  // the slot's tail must stay zero
  EXPECT_EQ(ReasonOf(hcl), "HCL_REPORT_MALFORMED");
}

TEST(HclReportTest, RefusesMalformedContainers) {
  Bytes good = BuildHcl(HclReportType::kSnp);
  EXPECT_EQ(ReasonOf(ByteSpan(good).first(0x4D3)), "HCL_REPORT_MALFORMED");  // truncated
  EXPECT_EQ(ReasonOf(ByteSpan(good).first(kHclVariableDataOffset + kVarData.size() - 1)),
            "HCL_REPORT_MALFORMED");  // variable data runs past the buffer
  EXPECT_EQ(ReasonOf(Bytes(kHclMaxBufferSize + 1, 0)), "HCL_REPORT_MALFORMED");  // oversize

  Bytes magic = good;
  magic[3] = 'B';
  EXPECT_EQ(ReasonOf(magic), "HCL_REPORT_MALFORMED");
  Bytes report_size = good;
  PutLe32(report_size, 8, 2600);
  EXPECT_EQ(ReasonOf(report_size), "HCL_REPORT_MALFORMED");
  Bytes data_size = good;
  PutLe32(data_size, 0x4C0, 0xFFFFFFFF);
  EXPECT_EQ(ReasonOf(data_size), "HCL_REPORT_MALFORMED");
  Bytes lying = good;  // every size agrees, and claims 4 GiB of variable data
  PutLe32(lying, 8, 0xFFFFFFFF);
  PutLe32(lying, 0x4C0, 0xFFFFFFFF);
  PutLe32(lying, 0x4D0, 0xFFFFFFFF);
  EXPECT_EQ(ReasonOf(lying), "HCL_REPORT_MALFORMED");
}

TEST(HclReportTest, RefusesReportAndHashTypesItCannotVerify) {
  for (uint32_t type : {0u, 1u, 3u, 5u, 0xFFFFFFFFu}) {
    Bytes hcl = BuildHcl(HclReportType::kSnp);
    PutLe32(hcl, 0x4C8, type);
    EXPECT_EQ(ReasonOf(hcl), "HCL_REPORT_UNSUPPORTED") << type;
  }
  for (uint32_t hash : {0u, 4u}) {
    Bytes hcl = BuildHcl(HclReportType::kSnp);
    PutLe32(hcl, 0x4CC, hash);
    EXPECT_EQ(ReasonOf(hcl), "HCL_REPORT_UNSUPPORTED") << hash;
  }
}

TEST(HclReportTest, BindingRefusesOtherDataAndANonZeroTail) {
  Bytes hcl = BuildHcl(HclReportType::kSnp);
  auto r = ParseHclReport(hcl);
  ASSERT_TRUE(r.has_value());
  Bytes report_data(HardwareReportData(*r).begin(), HardwareReportData(*r).end());
  report_data[0] ^= 1;
  Status s = CheckVariableDataBinding(*r, report_data);
  EXPECT_EQ(s.reason(), "HCL_VARIABLE_DATA_MISMATCH");
  report_data[0] ^= 1;
  report_data[40] = 7;
  s = CheckVariableDataBinding(*r, report_data);
  EXPECT_EQ(s.reason(), "HCL_VARIABLE_DATA_MISMATCH");
  EXPECT_NE(s.message().find("not zero"), std::string::npos) << s.message();
  EXPECT_EQ(CheckVariableDataBinding(*r, ByteSpan(report_data).first(32)).reason(),
            "HCL_VARIABLE_DATA_MISMATCH");
}

std::string VarReason(std::string_view json) {
  auto r = ParseHclVariableData(AsBytes(json));
  return r.has_value() ? "parsed" : r.error().reason();
}

TEST(HclVariableDataTest, RefusesDocumentsWithoutAUsableAttestationKey) {
  EXPECT_EQ(VarReason("not json"), "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason("[]"), "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason(R"({"keys":{}})"), "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason(R"({"keys":[1]})"), "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason(R"({"keys":[{"kid":"HCLEkPub","kty":"RSA","n":"AQAB","e":"AQAB"}]})"),
            "HCL_VARIABLE_DATA_INVALID");  // no AK
  EXPECT_EQ(VarReason(R"({"keys":[{"kid":"HCLAkPub","kty":"oct","k":"AA"}]})"),
            "HCL_VARIABLE_DATA_INVALID");  // not a public-key JWK
  std::string ak(kVarData.substr(9, kVarData.find("}]") - 9 + 1));  // the AK JWK object
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "]}"), "parsed");
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "," + ak + "]}"), "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "],\"user-data\":\"00\"}"),
            "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "],\"user-data\":\"" + std::string(128, 'z') + "\"}"),
            "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "],\"vm-configuration\":[]}"),
            "HCL_VARIABLE_DATA_INVALID");
  EXPECT_EQ(VarReason("{\"keys\":[" + ak + "],\"x\":" + std::string(100, '[') +
                      std::string(100, ']') + "}"),
            "HCL_VARIABLE_DATA_INVALID");  // nesting bomb
  EXPECT_EQ(VarReason(std::string(kMaxVariableDataSize + 1, ' ')), "HCL_VARIABLE_DATA_INVALID");
}

// Real HCL reports (spec/azure-cvm.md §3, §5, §7): header values, binding, and the AK, which
// equals the vector's independently derived ak_pub.pem.
TEST(HclReportVectorTest, RealSnpAndTdxReports) {
  struct Case {
    const char* dir;
    HclReportType type;
    uint32_t version;
    uint32_t report_size;
    size_t var_size;
    bool has_ek;
  };
  const Case cases[] = {
      {"azure-cvm/trustee-az-snp-vtpm-milan-hcl", HclReportType::kSnp, 1, 2346, 1110, true},
      {"azure-cvm/trustee-az-tdx-vtpm-evidence-v1", HclReportType::kTdx, 2, 2437, 1201, true},
  };
  for (const Case& c : cases) {
    std::string dir = VectorsDir() + "/" + c.dir;
    auto hcl = ReadFileBytes(dir + "/hcl_report.bin", 1 << 20);
    auto ak_pem = ReadFileBytes(dir + "/ak_pub.pem", 1 << 20);
    auto var = ReadFileBytes(dir + "/var_data.json", 1 << 20);
    if (!hcl || !ak_pem || !var) GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
    auto r = ParseHclReport(*hcl);
    ASSERT_TRUE(r.has_value()) << c.dir << ": " << r.error().ToString();
    EXPECT_EQ(r->report_type, c.type) << c.dir;
    EXPECT_EQ(r->version, c.version) << c.dir;
    EXPECT_EQ(r->request_type, 2u) << c.dir;
    EXPECT_EQ(r->report_size, c.report_size) << c.dir;
    EXPECT_EQ(r->variable_data.size(), c.var_size) << c.dir;
    EXPECT_TRUE(std::equal(r->variable_data.begin(), r->variable_data.end(), var->begin(),
                           var->end()))
        << c.dir;
    Status bound = CheckVariableDataBinding(*r, HardwareReportData(*r));
    EXPECT_TRUE(bound.ok()) << c.dir << ": " << bound.ToString();

    auto vars = ParseHclVariableData(r->variable_data);
    ASSERT_TRUE(vars.has_value()) << c.dir << ": " << vars.error().ToString();
    EXPECT_EQ(static_cast<bool>(vars->ek_public), c.has_ek) << c.dir;
    BIO* bio = BIO_new_mem_buf(ak_pem->data(), static_cast<int>(ak_pem->size()));
    EVP_PKEY* expected = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    ASSERT_NE(expected, nullptr) << c.dir;
    EXPECT_EQ(EVP_PKEY_eq(vars->ak_public.get(), expected), 1) << c.dir;
    EVP_PKEY_free(expected);
  }
}

TEST(HclReportVectorTest, TamperedVariableDataFailsTheBinding) {
  std::string dir = VectorsDir() + "/azure-cvm/neg-hcl-var-data-tampered";
  auto hcl = ReadFileBytes(dir + "/hcl_report.bin", 1 << 20);
  if (!hcl) GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
  auto r = ParseHclReport(*hcl);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(CheckVariableDataBinding(*r, HardwareReportData(*r)).reason(),
            "HCL_VARIABLE_DATA_MISMATCH");
}

}  // namespace
}  // namespace attest::evidence::azure_cvm
