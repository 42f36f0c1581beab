#include "evidence/tpm/quote_verifier.h"

#include <gtest/gtest.h>

#include "evidence/tpm/ak_trust.h"
#include "evidence/tpm/tpm_structures.h"
#include "testing/tpm_builder.h"

namespace attest::evidence::tpm {
namespace {

using testing::TpmQuoteSpec;
using testing::TpmTestKey;

PcrValues TwoBanks() {
  PcrValues p;
  p[kAlgSha1][0] = Bytes(20, 0x11);
  p[kAlgSha1][7] = Bytes(20, 0x17);
  p[kAlgSha256][0] = Bytes(32, 0x21);
  p[kAlgSha256][7] = Bytes(32, 0x27);
  return p;
}

struct Minted {
  TpmTestKey key;
  Bytes attest;
  Bytes sig;
  PcrValues pcrs;
  Bytes nonce;
};

Minted Mint(TpmTestKey::Kind kind, uint16_t scheme, uint16_t hash) {
  TpmTestKey key = TpmTestKey::Generate(kind, scheme, hash);
  TpmQuoteSpec spec;
  spec.nonce = {0xde, 0xad, 0xbe, 0xef};
  spec.pcrs = TwoBanks();
  spec.digest_hash = hash;
  Bytes attest = testing::BuildQuote(spec);
  Bytes sig = key.Sign(attest, scheme, hash);
  return {key, attest, sig, spec.pcrs, spec.nonce};
}

Status Verify(const Minted& m, const PcrValues* pcrs = nullptr, ByteSpan nonce = {}) {
  auto ak = ParseTpmtPublic(m.key.tpmt_public());
  if (!ak) return ak.error();
  auto sig = ParseSignature(m.sig);
  if (!sig) return sig.error();
  auto q = VerifyQuote(m.attest, *sig, *ak, nonce.empty() ? ByteSpan(m.nonce) : nonce,
                       pcrs ? pcrs : &m.pcrs);
  return q ? Status::Ok() : q.error();
}

struct SchemeCase {
  TpmTestKey::Kind kind;
  uint16_t scheme;
  uint16_t hash;
};

class QuoteSchemeTest : public ::testing::TestWithParam<SchemeCase> {};

TEST_P(QuoteSchemeTest, VerifiesEverySignatureSchemeNamedBySpec) {
  const SchemeCase& c = GetParam();
  Minted m = Mint(c.kind, c.scheme, c.hash);
  EXPECT_TRUE(Verify(m).ok()) << Verify(m).ToString();
  // One flipped signature byte fails at the signature stage.
  Minted bad = m;
  bad.sig[bad.sig.size() - 5] ^= 0x01;
  EXPECT_EQ(Verify(bad).reason(), "TPM_QUOTE_SIGNATURE_INVALID");
}

INSTANTIATE_TEST_SUITE_P(
    AllSchemes, QuoteSchemeTest,
    ::testing::Values(SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha1},
                      SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256},
                      SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha384},
                      SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsapss, kAlgSha1},
                      SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsapss, kAlgSha256},
                      SchemeCase{TpmTestKey::Kind::kRsa2048, kAlgRsapss, kAlgSha384},
                      SchemeCase{TpmTestKey::Kind::kEccP256, kAlgEcdsa, kAlgSha256},
                      SchemeCase{TpmTestKey::Kind::kEccP384, kAlgEcdsa, kAlgSha384}));

TEST(QuoteVerifierTest, RejectsWrongNonce) {
  Minted m = Mint(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  Bytes other = {0xde, 0xad, 0xbe, 0xee};
  EXPECT_EQ(Verify(m, nullptr, other).reason(), "TPM_NONCE_MISMATCH");
}

TEST(QuoteVerifierTest, PcrDigestUsesSigningHashNotBankHash) {
  // A SHA-1 bank signed with SHA-256: the digest is SHA-256 (spec/tpm.md §2.2).
  Minted m = Mint(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  auto q = ParseQuote(m.attest);
  ASSERT_TRUE(q);
  EXPECT_EQ(q->pcr_digest.size(), 32u);
  EXPECT_TRUE(VerifyPcrDigest(*q, kAlgSha256, m.pcrs).ok());
  EXPECT_EQ(VerifyPcrDigest(*q, kAlgSha1, m.pcrs).reason(), "TPM_PCR_DIGEST_MISMATCH");
}

TEST(QuoteVerifierTest, RejectsTamperedMissingExtraAndMalformedPcrs) {
  Minted m = Mint(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  PcrValues tampered = m.pcrs;
  tampered[kAlgSha256][7][31] ^= 1;
  EXPECT_EQ(Verify(m, &tampered).reason(), "TPM_PCR_DIGEST_MISMATCH");
  PcrValues missing = m.pcrs;
  missing[kAlgSha256].erase(7);
  EXPECT_EQ(Verify(m, &missing).reason(), "TPM_PCR_VALUES_MISSING");
  PcrValues extra = m.pcrs;
  extra[kAlgSha256][8] = Bytes(32, 0);
  EXPECT_EQ(Verify(m, &extra).reason(), "TPM_PCR_VALUES_NOT_QUOTED");
  PcrValues short_value = m.pcrs;
  short_value[kAlgSha1][0] = Bytes(19, 0);
  EXPECT_EQ(Verify(m, &short_value).reason(), "TPM_PCR_VALUES_MALFORMED");
}

TEST(QuoteVerifierTest, RejectsWrongMagicAndType) {
  TpmQuoteSpec spec;
  spec.pcrs = TwoBanks();
  spec.magic = 0xFF544348;
  EXPECT_EQ(ParseQuote(testing::BuildQuote(spec)).error().reason(), "TPM_ATTEST_NOT_QUOTE");
  spec.magic = 0xFF544347;
  spec.type = 0x8017;  // certify: libtss2-mu unmarshals it as another valid arm
  auto r = ParseQuote(testing::BuildQuote(spec));
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().reason() == "TPM_ATTEST_NOT_QUOTE" ||
              r.error().reason() == "TPM_ATTEST_MALFORMED")
      << r.error().ToString();
}

TEST(QuoteVerifierTest, RejectsTruncatedTrailingOversizedAndEmptyStructures) {
  Minted m = Mint(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  Bytes truncated(m.attest.begin(), m.attest.end() - 1);
  EXPECT_EQ(ParseQuote(truncated).error().reason(), "TPM_ATTEST_MALFORMED");
  Bytes trailing = m.attest;
  trailing.push_back(0);
  EXPECT_EQ(ParseQuote(trailing).error().reason(), "TPM_ATTEST_MALFORMED");
  EXPECT_EQ(ParseQuote(Bytes(kMaxTpmStructureSize + 1, 0)).error().reason(), "TPM_ATTEST_MALFORMED");
  EXPECT_EQ(ParseQuote({}).error().reason(), "TPM_ATTEST_MALFORMED");
  // A lying TPM2B size in extraData (offset 4+2+2+34 = 42): larger than the buffer allows.
  Bytes lying = m.attest;
  lying[42] = 0xff;
  lying[43] = 0xff;
  EXPECT_EQ(ParseQuote(lying).error().reason(), "TPM_ATTEST_MALFORMED");

  Bytes sig_trunc(m.sig.begin(), m.sig.begin() + 10);
  EXPECT_EQ(ParseSignature(sig_trunc).error().reason(), "TPM_SIGNATURE_MALFORMED");
  Bytes sig_trailing = m.sig;
  sig_trailing.push_back(1);
  EXPECT_EQ(ParseSignature(sig_trailing).error().reason(), "TPM_SIGNATURE_MALFORMED");
  Bytes hmac = m.sig;
  hmac[0] = 0x00;
  hmac[1] = 0x05;  // TPM_ALG_HMAC
  auto h = ParseSignature(hmac);
  ASSERT_FALSE(h);
  EXPECT_TRUE(h.error().reason() == "TPM_SIGNATURE_SCHEME_UNSUPPORTED" ||
              h.error().reason() == "TPM_SIGNATURE_MALFORMED");
  Bytes sm3 = m.sig;
  sm3[2] = 0x00;
  sm3[3] = 0x12;  // SM3-256 hash
  EXPECT_EQ(ParseSignature(sm3).error().reason(), "TPM_SIGNATURE_SCHEME_UNSUPPORTED");

  Bytes pub_trunc(m.key.tpmt_public().begin(), m.key.tpmt_public().end() - 3);
  EXPECT_EQ(ParseTpmtPublic(pub_trunc).error().reason(), "TPM_AK_MALFORMED");
  Bytes keyedhash = m.key.tpmt_public();
  keyedhash[1] = 0x08;
  EXPECT_EQ(ParseTpmtPublic(keyedhash).error().reason(), "TPM_AK_MALFORMED");
}

TEST(QuoteVerifierTest, RejectsAkThatIsNotARestrictedSigningKey) {
  TpmTestKey key = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256,
                                        0x00040072);  // sign, not restricted
  TpmQuoteSpec spec;
  spec.pcrs = TwoBanks();
  Bytes attest = testing::BuildQuote(spec);
  auto ak = ParseTpmtPublic(key.tpmt_public());
  ASSERT_TRUE(ak);
  auto sig = ParseSignature(key.Sign(attest, kAlgRsassa, kAlgSha256));
  ASSERT_TRUE(sig);
  EXPECT_EQ(VerifyQuote(attest, *sig, *ak, {}, &spec.pcrs).error().reason(),
            "TPM_AK_ATTRIBUTES_INVALID");
}

TEST(QuoteVerifierTest, RejectsSignatureSchemeOtherThanTheAks) {
  TpmTestKey key = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  TpmQuoteSpec spec;
  spec.pcrs = TwoBanks();
  spec.digest_hash = kAlgSha384;
  Bytes attest = testing::BuildQuote(spec);
  auto ak = ParseTpmtPublic(key.tpmt_public());
  auto sig = ParseSignature(key.Sign(attest, kAlgRsassa, kAlgSha384));
  ASSERT_TRUE(ak && sig);
  EXPECT_EQ(VerifyAttestSignature(attest, *sig, *ak).reason(), "TPM_AK_SCHEME_MISMATCH");
  // An ECDSA signature claimed by an RSA key.
  TpmTestKey ec = TpmTestKey::Generate(TpmTestKey::Kind::kEccP256, kAlgEcdsa, kAlgSha256);
  auto ecsig = ParseSignature(ec.Sign(attest, kAlgEcdsa, kAlgSha256));
  AkPublic bare = AkFromKey(ak->key.get());
  EXPECT_EQ(VerifyAttestSignature(attest, *ecsig, bare).reason(), "TPM_AK_SCHEME_MISMATCH");
  // SHA-1 refused when the deployment says so.
  QuoteVerifyOptions no_sha1;
  no_sha1.allow_sha1_signatures = false;
  auto s1 = ParseSignature(key.Sign(attest, kAlgRsassa, kAlgSha1));
  EXPECT_EQ(VerifyAttestSignature(attest, *s1, bare, no_sha1).reason(),
            "TPM_SIGNATURE_SCHEME_UNSUPPORTED");
}

TEST(AkTrustTest, ModesAndRefusals) {
  TpmTestKey key = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  auto ak = ParseTpmtPublic(key.tpmt_public());
  ASSERT_TRUE(ak);
  AkTrustConfig none;
  EXPECT_EQ(EstablishAkTrust(*ak, {}, none, 0).error().reason(), "TPM_AK_UNTRUSTED");
  AkTrustConfig registered;
  registered.registered_spki.push_back(key.SpkiDer());
  EXPECT_EQ(EstablishAkTrust(*ak, {}, registered, 0).value(), AkTrustMode::kRegisteredKey);
  AkTrustConfig presented;
  presented.trust_as_presented = true;
  EXPECT_EQ(EstablishAkTrust(*ak, {}, presented, 0).value(), AkTrustMode::kAsPresented);
  // An unrelated key is not registered.
  TpmTestKey other = TpmTestKey::Generate(TpmTestKey::Kind::kRsa2048, kAlgRsassa, kAlgSha256);
  auto other_ak = ParseTpmtPublic(other.tpmt_public());
  EXPECT_EQ(EstablishAkTrust(*other_ak, {}, registered, 0).error().reason(), "TPM_AK_UNTRUSTED");
}

}  // namespace
}  // namespace attest::evidence::tpm
