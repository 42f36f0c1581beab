#include "base/byte_reader.h"

#include <gtest/gtest.h>

namespace attest {
namespace {

TEST(ByteReaderTest, ReadsLittleEndianFieldsInOrder) {
  Bytes b = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
  ByteReader r(b, "test", "R");
  EXPECT_EQ(r.U8("a").value(), 0x01);
  EXPECT_EQ(r.U16("b").value(), 0x0302);
  EXPECT_EQ(r.U32("c").value(), 0x07060504u);
  EXPECT_EQ(r.U64("d").value(), 0x0f0e0d0c0b0a0908ull);
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteReaderTest, TruncatedReadNamesFieldOffsetAndReason) {
  Bytes b = {1, 2, 3};
  ByteReader r(b, "quote", "UNSUPPORTED_QUOTE_FORMAT");
  ASSERT_TRUE(r.U16("version").has_value());
  auto v = r.U32("tee_type");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().reason(), "UNSUPPORTED_QUOTE_FORMAT");
  EXPECT_EQ(v.error().code(), StatusCode::kInvalidEvidence);
  EXPECT_NE(v.error().message().find("'tee_type' at offset 2 needs 4 bytes, 1 remain"),
            std::string::npos)
      << v.error().message();
  // A failed read does not advance.
  EXPECT_EQ(r.offset(), 2u);
  EXPECT_FALSE(r.Take(2, "x").has_value());
  EXPECT_TRUE(r.Take(1, "x").has_value());
  EXPECT_FALSE(r.Skip(1, "y").ok());
}

TEST(ByteReaderTest, HugeLengthsDoNotOverflow) {
  Bytes b(8, 0);
  ByteReader r(b, "t", "R");
  EXPECT_FALSE(r.Take(SIZE_MAX, "huge").has_value());
  EXPECT_FALSE(r.Skip(SIZE_MAX, "huge").ok());
}

}  // namespace
}  // namespace attest
