#include "evidence/tpm/certify.h"

#include <gtest/gtest.h>

#include "testing/tpm_builder.h"

namespace attest::evidence::tpm {
namespace {

using testing::TpmQuoteSpec;
using testing::TpmTestKey;

// A guest as Microsoft's clients build it: AK (RSASSA-SHA256), a quote of PCRs 0-7 with empty
// qualifying data, and an ephemeral key bound by PolicyPCR to those PCRs, certified by the AK.
struct Guest {
  TpmTestKey ak = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  PcrValues pcrs;
  Bytes quote;
  TpmTestKey enc_key;
  Bytes certify_info;
  Bytes certify_sig;

  explicit Guest(uint32_t attributes = 0x00020432) {
    for (uint32_t i = 0; i < 8; ++i) pcrs[kAlgSha256][i] = Bytes(32, static_cast<uint8_t>(0x40 + i));
    TpmQuoteSpec spec;
    spec.pcrs = pcrs;
    quote = testing::BuildQuote(spec);
    Bytes policy = PolicyPcrDigest(kAlgSha256, quote, pcrs).value();
    enc_key = TpmTestKey::EncryptionKey(policy, attributes);
    certify_info = testing::BuildCertifyInfo(enc_key.Name());
    certify_sig = ak.Sign(certify_info, kAlgRsassa, kAlgSha256);
  }

  Status Verify(const Bytes& enc_public) const {
    auto ak_public = ParseTpmtPublic(ak.tpmt_public()).value();
    auto sig = ParseSignature(certify_sig).value();
    auto r = VerifyPcrBoundEncryptionKey(enc_public, certify_info, sig, ak_public, quote, pcrs);
    return r.has_value() ? Status::Ok() : r.error();
  }
  Status Verify() const { return Verify(enc_key.tpm2b_public()); }
};

TEST(PolicyPcrTest, MatchesTheTpmComputationForAKnownSelection) {
  // One SHA-256 bank, PCR 0 = 32 zero bytes: the selection marshals as 00000001 000B 03 010000.
  PcrValues pcrs;
  pcrs[kAlgSha256][0] = Bytes(32, 0);
  TpmQuoteSpec spec;
  spec.pcrs = pcrs;
  Bytes quote = testing::BuildQuote(spec);
  Bytes message(32, 0);
  for (uint8_t b : {0x00, 0x00, 0x01, 0x7F, 0x00, 0x00, 0x00, 0x01, 0x00, 0x0B, 0x03, 0x01, 0x00,
                    0x00}) {
    message.push_back(b);
  }
  Bytes pcr_digest = Hash(kAlgSha256, Bytes(32, 0));
  message.insert(message.end(), pcr_digest.begin(), pcr_digest.end());
  EXPECT_EQ(PolicyPcrDigest(kAlgSha256, quote, pcrs).value(), Hash(kAlgSha256, message));
  // Another PCR value is another policy.
  PcrValues other = pcrs;
  other[kAlgSha256][0][0] = 1;
  EXPECT_NE(PolicyPcrDigest(kAlgSha256, quote, other).value(), Hash(kAlgSha256, message));
  PcrValues none;
  EXPECT_EQ(PolicyPcrDigest(kAlgSha256, quote, none).error().reason(), "TPM_PCR_VALUES_MISSING");
}

TEST(CertifyTest, AcceptsAPcrBoundKeyCertifiedByTheAk) {
  Guest g;
  EXPECT_TRUE(g.Verify().ok()) << g.Verify().ToString();
  // The bare TPMT_PUBLIC is accepted too.
  EXPECT_TRUE(g.Verify(g.enc_key.tpmt_public()).ok());
  auto r = VerifyPcrBoundEncryptionKey(g.enc_key.tpm2b_public(), g.certify_info,
                                       ParseSignature(g.certify_sig).value(),
                                       ParseTpmtPublic(g.ak.tpmt_public()).value(), g.quote, g.pcrs);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(EVP_PKEY_eq(r->key.get(), g.enc_key.get()), 1);
  EXPECT_EQ(r->name, g.enc_key.Name());
}

TEST(CertifyTest, RefusesMalformedKeys) {
  Guest g;
  EXPECT_EQ(g.Verify(Bytes{0x00, 0x01, 0x02}).reason(), "TPM_ENC_KEY_MALFORMED");
  Bytes truncated = g.enc_key.tpm2b_public();
  truncated.resize(truncated.size() - 10);
  EXPECT_EQ(g.Verify(truncated).reason(), "TPM_ENC_KEY_MALFORMED");
  // An EC key cannot take an RSA-wrapped answer.
  TpmTestKey ec = TpmTestKey::Generate(TpmTestKey::Kind::kEccP256, kAlgNull, 0, 0x00020432);
  EXPECT_EQ(g.Verify(ec.tpm2b_public()).reason(), "TPM_ENC_KEY_MALFORMED");
}

TEST(CertifyTest, RefusesKeysUsableOutsideTheirPolicy) {
  // userWithAuth set: the empty password would decrypt whatever the PCRs are.
  EXPECT_EQ(Guest(0x00020432 | kAttrUserWithAuth).Verify().reason(),
            "TPM_ENC_KEY_ATTRIBUTES_INVALID");
  // Not fixedTPM: the key could be duplicated out of the TPM.
  EXPECT_EQ(Guest(0x00020432 & ~kAttrFixedTpm).Verify().reason(), "TPM_ENC_KEY_ATTRIBUTES_INVALID");
  // A signing key, and a key that cannot decrypt.
  EXPECT_EQ(Guest(0x00020432 | kAttrSign).Verify().reason(), "TPM_ENC_KEY_ATTRIBUTES_INVALID");
  EXPECT_EQ(Guest(0x00000432).Verify().reason(), "TPM_ENC_KEY_ATTRIBUTES_INVALID");
}

TEST(CertifyTest, RefusesAKeyTheAkDidNotCertify) {
  Guest g;
  // Certify info signed by another key.
  Guest other;
  g.certify_sig = other.ak.Sign(g.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(g.Verify().reason(), "TPM_CERTIFY_SIGNATURE_INVALID");
  // Certify info naming another object (validly signed).
  Guest h;
  h.certify_info = testing::BuildCertifyInfo(other.enc_key.Name());
  h.certify_sig = h.ak.Sign(h.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(h.Verify().reason(), "TPM_CERTIFY_NAME_MISMATCH");
  // EncKeyPub swapped for another certified-looking key.
  Guest k;
  EXPECT_EQ(k.Verify(other.enc_key.tpm2b_public()).reason(), "TPM_CERTIFY_NAME_MISMATCH");
}

TEST(CertifyTest, RefusesMalformedCertifyInfo) {
  Guest g;
  g.certify_info = testing::BuildCertifyInfo(g.enc_key.Name(), 0xFF544347, 0x8018);  // a quote type
  g.certify_sig = g.ak.Sign(g.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(g.Verify().reason(), "TPM_CERTIFY_MALFORMED");
  Guest h;
  h.certify_info = testing::BuildCertifyInfo(h.enc_key.Name(), 0x12345678);  // not TPM-generated
  h.certify_sig = h.ak.Sign(h.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(h.Verify().reason(), "TPM_CERTIFY_MALFORMED");
  Guest t;
  t.certify_info.push_back(0);  // trailing byte
  EXPECT_EQ(t.Verify().reason(), "TPM_CERTIFY_MALFORMED");
  EXPECT_EQ(ParseCertifyInfo(Bytes{}).error().reason(), "TPM_CERTIFY_MALFORMED");
  EXPECT_EQ(ParseCertifyInfo(Bytes(5000, 0)).error().reason(), "TPM_CERTIFY_MALFORMED");
}

TEST(CertifyTest, RefusesAKeyNotBoundToTheQuotedPcrs) {
  // The key's policy is over other PCR values than the quoted ones.
  Guest g;
  PcrValues other = g.pcrs;
  other[kAlgSha256][7][0] ^= 1;
  Bytes wrong_policy = PolicyPcrDigest(kAlgSha256, g.quote, other).value();
  g.enc_key = TpmTestKey::EncryptionKey(wrong_policy);
  g.certify_info = testing::BuildCertifyInfo(g.enc_key.Name());
  g.certify_sig = g.ak.Sign(g.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(g.Verify().reason(), "TPM_ENC_KEY_POLICY_MISMATCH");
  // No policy at all.
  Guest h;
  h.enc_key = TpmTestKey::EncryptionKey({});
  h.certify_info = testing::BuildCertifyInfo(h.enc_key.Name());
  h.certify_sig = h.ak.Sign(h.certify_info, kAlgRsassa, kAlgSha256);
  EXPECT_EQ(h.Verify().reason(), "TPM_ENC_KEY_POLICY_MISMATCH");
}

}  // namespace
}  // namespace attest::evidence::tpm
