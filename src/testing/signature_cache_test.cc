#include "evidence/dcap/signature_cache.h"

#include <gtest/gtest.h>

#include "testing/test_key.h"

namespace attest::testing {
namespace {

TEST(SignatureCacheTest, RemembersOnlyVerifiedTriples) {
  dcap::SignatureCache cache(16);
  TestKey key = TestKey::Generate();
  Bytes message(384, 0x42);
  Bytes sig = key.SignRaw(message);
  Bytes bad = sig;
  bad[5] ^= 1;
  EXPECT_FALSE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, bad));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_TRUE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, sig));
  EXPECT_TRUE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, sig));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(SignatureCacheTest, AChangedByteAnywhereMissesAndFails) {
  dcap::SignatureCache cache(16);
  TestKey key = TestKey::Generate();
  TestKey other = TestKey::Generate();
  Bytes message(384, 0x42);
  Bytes sig = key.SignRaw(message);
  ASSERT_TRUE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, sig));
  Bytes changed_message = message;
  changed_message[383] ^= 1;
  EXPECT_FALSE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), changed_message, sig));
  Bytes changed_sig = sig;
  changed_sig[63] ^= 1;
  EXPECT_FALSE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, changed_sig));
  // Another key presented with its own identity: verified afresh, and fails.
  EXPECT_FALSE(cache.VerifyP256Sha256(other.get(), other.SpkiDer(), message, sig));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(SignatureCacheTest, StaysWithinItsBound) {
  dcap::SignatureCache cache(2);
  TestKey key = TestKey::Generate();
  for (uint8_t i = 0; i < 5; ++i) {
    Bytes message(64, i);
    ASSERT_TRUE(cache.VerifyP256Sha256(key.get(), key.SpkiDer(), message, key.SignRaw(message)));
    EXPECT_LE(cache.size(), 2u);
  }
}

}  // namespace
}  // namespace attest::testing
