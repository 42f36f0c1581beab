#include "evidence/openenclave/oe_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <algorithm>
#include <cstring>

#include "base/file.h"
#include "base/time.h"
#include "collateral/offline_dir_provider.h"
#include "crypto/digest.h"
#include "evidence/registry.h"

namespace attest::evidence {
namespace {

void PutLe32(Bytes& b, uint32_t v) {
  for (int i = 0; i < 4; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void PutLe64(Bytes& b, uint64_t v) {
  for (int i = 0; i < 8; ++i) b.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// A minimal "quote": version 3, key type 2, then zeros with signature_data_len = 0.
Bytes FakeQuote() {
  Bytes q(436, 0);
  q[0] = 3;
  q[2] = 2;
  return q;
}

Bytes ReportHeader(uint32_t version, uint32_t type, uint64_t size) {
  Bytes b;
  PutLe32(b, version);
  PutLe32(b, type);
  PutLe64(b, size);
  return b;
}

Bytes AttestationHeader(const uint8_t (&uuid)[16], uint64_t size) {
  Bytes b;
  PutLe32(b, 3);
  b.insert(b.end(), uuid, uuid + 16);
  PutLe32(b, 0);
  PutLe64(b, size);
  return b;
}

constexpr uint8_t kSgxEcdsa[16] = {0xa3, 0xa2, 0x1e, 0x87, 0x1b, 0x4d, 0x40, 0x14,
                                   0xb7, 0x0a, 0xa1, 0x25, 0xd2, 0xfb, 0xcd, 0x8c};
constexpr uint8_t kLocal[16] = {0x09, 0x26, 0x8c, 0x33, 0x0e, 0x45, 0x45, 0xe6,
                                0x8a, 0x9a, 0x15, 0x64, 0x4d, 0x0e, 0xf8, 0x9a};

TEST(OeFormatTest, UnwrapsLegacyReportHeader) {
  Bytes q = FakeQuote();
  Bytes blob = ReportHeader(1, 2, q.size());
  blob.insert(blob.end(), q.begin(), q.end());
  auto oe = UnwrapOeEvidence(blob);
  ASSERT_TRUE(oe.has_value()) << oe.error().ToString();
  EXPECT_EQ(oe->quote.size(), q.size());
  EXPECT_FALSE(oe->custom_claims.has_value());
}

TEST(OeFormatTest, RejectsBadReportHeaders) {
  Bytes q = FakeQuote();
  for (Bytes header : {ReportHeader(1, 1, q.size()), ReportHeader(1, 2, q.size() + 1),
                       ReportHeader(1, 2, q.size() - 1), ReportHeader(1, 2, UINT64_MAX)}) {
    header.insert(header.end(), q.begin(), q.end());
    auto oe = UnwrapOeEvidence(header);
    ASSERT_FALSE(oe.has_value());
    EXPECT_EQ(oe.error().reason(), "OE_REPORT_MALFORMED");
  }
  EXPECT_EQ(UnwrapOeEvidence(Bytes(4, 0)).error().reason(), "OE_EVIDENCE_MALFORMED");
  EXPECT_EQ(UnwrapOeEvidence(Bytes(64, 0x77)).error().reason(), "OE_EVIDENCE_MALFORMED");
}

TEST(OeFormatTest, SgxEcdsaEvidenceSplitsQuoteAndCustomClaims) {
  Bytes q = FakeQuote();
  Bytes claims = {1, 2, 3, 4, 5};
  Bytes blob = AttestationHeader(kSgxEcdsa, q.size() + claims.size());
  blob.insert(blob.end(), q.begin(), q.end());
  blob.insert(blob.end(), claims.begin(), claims.end());
  auto oe = UnwrapOeEvidence(blob);
  ASSERT_TRUE(oe.has_value()) << oe.error().ToString();
  EXPECT_EQ(oe->quote.size(), q.size());
  ASSERT_TRUE(oe->custom_claims.has_value());
  EXPECT_EQ(oe->custom_claims->size(), claims.size());
}

TEST(OeFormatTest, RejectsLocalAttestationAndSizeMismatch) {
  Bytes q = FakeQuote();
  Bytes local = AttestationHeader(kLocal, q.size());
  local.insert(local.end(), q.begin(), q.end());
  EXPECT_EQ(UnwrapOeEvidence(local).error().reason(), "OE_EVIDENCE_MALFORMED");
  Bytes bad = AttestationHeader(kSgxEcdsa, q.size() + 9);
  bad.insert(bad.end(), q.begin(), q.end());
  EXPECT_EQ(UnwrapOeEvidence(bad).error().reason(), "OE_EVIDENCE_MALFORMED");
  // Signature data length pointing past the end.
  Bytes q2 = FakeQuote();
  q2[432] = 0xff;
  Bytes lying = AttestationHeader(kSgxEcdsa, q2.size());
  lying.insert(lying.end(), q2.begin(), q2.end());
  EXPECT_EQ(UnwrapOeEvidence(lying).error().reason(), "UNSUPPORTED_QUOTE_FORMAT");
}

TEST(OeFormatTest, RejectsMalformedEndorsements) {
  EXPECT_EQ(ParseOeEndorsements(Bytes(3, 0)).error().reason(), "OE_ENDORSEMENTS_MALFORMED");
  Bytes b;
  PutLe32(b, 1);
  PutLe32(b, 2);
  PutLe32(b, 9 * 4 + 4);
  PutLe32(b, 9);
  for (uint32_t off : {0u, 4u, 4u, 5u, 6u, 7u, 8u, 9u, 10u}) PutLe32(b, off);  // not increasing
  PutLe32(b, 0);
  EXPECT_EQ(ParseOeEndorsements(b).error().reason(), "OE_ENDORSEMENTS_MALFORMED");
  EXPECT_FALSE(ParseOeEndorsements(Bytes(300 * 1024, 0)).has_value());
}

// Endorsements come from the caller: their faults are the caller's (400, not 503).
TEST(OeFormatTest, EndorsementFaultsAreTheCallers) {
  auto r = ParseOeEndorsements(Bytes(300 * 1024, 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().reason(), "OE_ENDORSEMENTS_MALFORMED");
  EXPECT_EQ(r.error().provenance(), Provenance::kSentByCaller);
}

std::string VectorsDir() {
  const char* v = std::getenv("ATTESTD_VECTORS");
  return v && *v ? v : ATTESTD_VECTORS_DEFAULT;
}

// Real OE evidence verified with nothing but the OE endorsements published beside it.
TEST(OeFormatTest, VerifiesRealEvidenceWithPublishedEndorsementsOnly) {
  std::string dir = VectorsDir() + "/openenclave/oe-plugin-evidence-00906ed50000";
  auto quote = ReadFileBytes(dir + "/quote.bin", 1 << 20);
  auto endorsements = ReadFileBytes(dir + "/source_endorsements.oe.bin", 1 << 20);
  if (!quote || !endorsements) GTEST_SKIP() << "vectors absent (set ATTESTD_VECTORS)";
  // The published file starts with two '#' licence lines that are not part of the format.
  for (int i = 0; i < 2 && !endorsements->empty() && (*endorsements)[0] == '#'; ++i) {
    auto nl = std::find(endorsements->begin(), endorsements->end(), '\n');
    endorsements->erase(endorsements->begin(), nl + 1);
  }
  auto parsed = ParseOeEndorsements(*endorsements);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().ToString();
  EXPECT_TRUE(parsed->pck_crl.has_value());
  EXPECT_EQ(parsed->provenance, Provenance::kSentByCaller);

  // As OE SGX-ECDSA evidence with an empty custom-claims buffer (REPORTDATA = SHA-256("")).
  Bytes blob = AttestationHeader(kSgxEcdsa, quote->size());
  blob.insert(blob.end(), quote->begin(), quote->end());
  Evidence ev;
  ev.type = AttestationType::kOpenEnclave;
  ev.blob = blob;
  ev.endorsements = *endorsements;
  collateral::OfflineDirProvider nowhere("/nonexistent");
  FixedClock clock(ParseRfc3339("2022-05-11T23:03:00Z").value());
  VerifyContext ctx{clock, nowhere, TrustAnchors::Production()};
  const std::unique_ptr<Verifier> verifier = MakeVerifier(AttestationType::kOpenEnclave, {}).value();
  auto claims = verifier->Verify(ev, ctx);
  ASSERT_TRUE(claims.has_value()) << claims.error().ToString();
  EXPECT_EQ(claims->FindValue("attester_tcb_status")->get<std::string>(), "SWHardeningNeeded");

  // A custom-claims buffer that REPORTDATA does not commit to is rejected.
  Bytes tampered = AttestationHeader(kSgxEcdsa, quote->size() + 3);
  tampered.insert(tampered.end(), quote->begin(), quote->end());
  tampered.insert(tampered.end(), {1, 2, 3});
  ev.blob = tampered;
  auto bad = verifier->Verify(ev, ctx);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().reason(), "OE_CUSTOM_CLAIMS_HASH_MISMATCH");
}

}  // namespace
}  // namespace attest::evidence
