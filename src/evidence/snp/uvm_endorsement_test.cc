// VerifyUvmEndorsement on COSE_Sign1 envelopes minted here (libcbor) with a test signer whose
// root the test pins: one test per UVM_* reason. The real Microsoft envelope is covered by the
// vector tests (tests/vectors/snp_verify_test.py).
#include "evidence/snp/uvm_endorsement.h"

#include <cbor.h>
#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include "base/encoding.h"
#include "crypto/digest.h"
#include "crypto/openssl_ptr.h"
#include "testing/amd_world.h"

namespace attest::snp {
namespace {

constexpr char kEku[] = "1.3.6.1.4.1.311.76.59.1.2";
constexpr UnixTime kSigningTime = 1675834943;  // 2023-02-08

Bytes Serialize(cbor_item_t* item) {
  unsigned char* buffer = nullptr;
  size_t size = 0;
  size_t len = cbor_serialize_alloc(item, &buffer, &size);
  Bytes out(buffer, buffer + len);
  free(buffer);
  cbor_decref(&item);
  return out;
}

void Put(cbor_item_t* map, cbor_item_t* key, cbor_item_t* value) {
  cbor_map_add(map, cbor_pair{cbor_move(key), cbor_move(value)});
}

cbor_item_t* Bstr(ByteSpan b) { return cbor_build_bytestring(b.data(), b.size()); }

struct Envelope {
  int64_t alg = -38;
  std::string feed = std::string(kAciUvmFeed);
  std::optional<std::string> iss;  // default: did:x509 naming the test root and kEku
  UnixTime signing_time = kSigningTime;
  std::string measurement = std::string(96, 'a');
  bool corrupt_signature = false;
  bool include_root = true;
};

struct Signer {
  testing::AmdTestCert root;  // self-signed test "supply chain root"
  testing::AmdTestCert leaf;
};

const Signer& TestSigner() {
  static const Signer* s = [] {
    const auto& pki = testing::AmdPki::Default().product(Product::kGenoa);
    // The leaf was valid around the signing time and has expired since.
    return new Signer{pki.ark, testing::IssueRsaLeaf("ContainerPlat", pki.ark, kEku,
                                                     kSigningTime - 30 * 86400,
                                                     kSigningTime + 300 * 86400)};
  }();
  return *s;
}

evidence::TrustAnchors Anchors() {
  evidence::TrustAnchors a;
  crypto::Sha256Digest d = crypto::Sha256(TestSigner().root.Der());
  a.microsoft_uvm_roots_sha256.push_back(Bytes(d.begin(), d.end()));
  return a;
}

Bytes Mint(const Envelope& e) {
  const Signer& s = TestSigner();
  Bytes leaf = s.leaf.Der(), root = s.root.Der();
  crypto::Sha256Digest root_hash = crypto::Sha256(root);
  std::string iss = e.iss.value_or("did:x509:0:sha256:" + Base64UrlEncode(root_hash) + "::eku:" + kEku);
  cbor_item_t* hdr = cbor_new_definite_map(6);
  Put(hdr, cbor_build_uint8(1), e.alg < 0 ? cbor_build_negint8(static_cast<uint8_t>(-1 - e.alg))
                                          : cbor_build_uint8(static_cast<uint8_t>(e.alg)));
  Put(hdr, cbor_build_uint8(3), cbor_build_string("application/json"));
  cbor_item_t* chain = cbor_new_definite_array(2);
  cbor_array_push(chain, cbor_move(Bstr(leaf)));
  if (e.include_root) cbor_array_push(chain, cbor_move(Bstr(root)));
  Put(hdr, cbor_build_uint8(33), chain);
  Put(hdr, cbor_build_string("iss"), cbor_build_string(iss.c_str()));
  Put(hdr, cbor_build_string("feed"), cbor_build_string(e.feed.c_str()));
  Put(hdr, cbor_build_string("signingtime"),
      cbor_build_tag(1, cbor_move(cbor_build_uint32(static_cast<uint32_t>(e.signing_time)))));
  Bytes prot = Serialize(hdr);
  std::string payload_text = "{\"x-ms-sevsnpvm-guestsvn\":\"22\",\"x-ms-sevsnpvm-launchmeasurement\":\"" +
                             e.measurement + "\"}";
  Bytes payload(payload_text.begin(), payload_text.end());
  cbor_item_t* tbs = cbor_new_definite_array(4);
  cbor_array_push(tbs, cbor_move(cbor_build_string("Signature1")));
  cbor_array_push(tbs, cbor_move(Bstr(prot)));
  cbor_array_push(tbs, cbor_move(cbor_build_bytestring(nullptr, 0)));
  cbor_array_push(tbs, cbor_move(Bstr(payload)));
  Bytes to_sign = Serialize(tbs);
  crypto::EvpMdCtxPtr ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), &pctx, EVP_sha384(), nullptr, s.leaf.key.get()), 1);
  EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
  EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 48);
  EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha384());
  size_t len = 0;
  EVP_DigestSign(ctx.get(), nullptr, &len, to_sign.data(), to_sign.size());
  Bytes sig(len);
  EVP_DigestSign(ctx.get(), sig.data(), &len, to_sign.data(), to_sign.size());
  if (e.corrupt_signature) sig[10] ^= 1;
  cbor_item_t* msg = cbor_new_definite_array(4);
  cbor_array_push(msg, cbor_move(Bstr(prot)));
  cbor_array_push(msg, cbor_move(cbor_new_definite_map(0)));
  cbor_array_push(msg, cbor_move(Bstr(payload)));
  cbor_array_push(msg, cbor_move(Bstr(sig)));
  Bytes out = {0xD2};  // tag 18, one-byte head as Microsoft encodes it
  Bytes body = Serialize(msg);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

void ExpectReason(const Envelope& e, std::string_view reason) {
  auto r = VerifyUvmEndorsement(Mint(e), Anchors());
  ASSERT_FALSE(r.has_value()) << reason;
  EXPECT_EQ(r.error().reason(), reason) << r.error().ToString();
}

TEST(UvmEndorsementTest, VerifiesAtTheSigningTimeAfterTheLeafExpired) {
  auto r = VerifyUvmEndorsement(Mint({}), Anchors());
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->feed, kAciUvmFeed);
  EXPECT_EQ(r->signing_time, kSigningTime);
  EXPECT_EQ(r->launch_measurement, std::string(96, 'a'));
  EXPECT_EQ(r->guest_svn, "22");
  EXPECT_EQ(r->signer_cn, "ContainerPlat");
}

TEST(UvmEndorsementTest, RejectsBadSignature) {
  Envelope e;
  e.corrupt_signature = true;
  ExpectReason(e, "UVM_SIGNATURE_INVALID");
}

TEST(UvmEndorsementTest, RejectsUnpinnedRoot) {
  auto r = VerifyUvmEndorsement(Mint({}), evidence::TrustAnchors::Production());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "UVM_CHAIN_INVALID");
}

TEST(UvmEndorsementTest, RejectsSigningTimeOutsideTheLeafValidity) {
  Envelope e;
  e.signing_time = kSigningTime + 400 * 86400;
  ExpectReason(e, "UVM_CHAIN_INVALID");
}

TEST(UvmEndorsementTest, RejectsIssuerNamingNoCaOrAnotherEku) {
  Envelope other_ca;
  other_ca.iss = "did:x509:0:sha256:" + std::string(43, 'A') + "::eku:" + kEku;
  ExpectReason(other_ca, "UVM_ISSUER_MISMATCH");
  Envelope other_eku;
  crypto::Sha256Digest root_hash = crypto::Sha256(TestSigner().root.Der());
  other_eku.iss = "did:x509:0:sha256:" + Base64UrlEncode(root_hash) + "::eku:1.2.3.4";
  ExpectReason(other_eku, "UVM_ISSUER_MISMATCH");
  Envelope not_did;
  not_did.iss = "https://example.test";
  ExpectReason(not_did, "UVM_ISSUER_MISMATCH");
}

TEST(UvmEndorsementTest, RejectsAnotherFeed) {
  Envelope e;
  e.feed = "ContainerPlat-Other";
  ExpectReason(e, "UVM_FEED_MISMATCH");
}

TEST(UvmEndorsementTest, RejectsMalformedEnvelopes) {
  Envelope ps256;
  ps256.alg = -37;
  ExpectReason(ps256, "UVM_ENDORSEMENT_INVALID");
  Bytes good = Mint({});
  for (size_t cut : {size_t{1}, size_t{10}, good.size() / 2, good.size() - 1}) {
    auto r = VerifyUvmEndorsement(ByteSpan(good).first(cut), Anchors());
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().reason(), "UVM_ENDORSEMENT_INVALID") << cut;
  }
  Bytes deep(200, 0x81);  // 200 nested one-element arrays
  deep.push_back(0x00);
  EXPECT_EQ(VerifyUvmEndorsement(deep, Anchors()).error().reason(), "UVM_ENDORSEMENT_INVALID");
  Bytes indefinite = {0x9F, 0x40, 0xA0, 0x40, 0x40, 0xFF};
  EXPECT_EQ(VerifyUvmEndorsement(indefinite, Anchors()).error().reason(), "UVM_ENDORSEMENT_INVALID");
  EXPECT_EQ(VerifyUvmEndorsement(Bytes{}, Anchors()).error().reason(), "UVM_ENDORSEMENT_INVALID");
  EXPECT_EQ(VerifyUvmEndorsement(Bytes(kMaxUvmEndorsementSize + 1, 0x40), Anchors()).error().reason(),
            "UVM_ENDORSEMENT_INVALID");
}

}  // namespace
}  // namespace attest::snp
