#include "api/http_strictness.h"

#include <gtest/gtest.h>

namespace attest::api {
namespace {

TEST(HttpStrictnessTest, FindsTheEndOfTheHead) {
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r\nbody"), 27u);
  EXPECT_EQ(FindHeadEnd("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"), 29u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n"), std::string_view::npos);
}

TEST(HttpStrictnessTest, RefusesObsoleteLineFolding) {
  EXPECT_TRUE(CheckNoLineFolding("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\r\n").ok());
  EXPECT_EQ(CheckNoLineFolding("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n").reason(),
            "HTTP_LINE_FOLDING");
  EXPECT_EQ(CheckNoLineFolding("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n").reason(),
            "HTTP_LINE_FOLDING");
}

TEST(HttpStrictnessTest, Http11NeedsExactlyOneHost) {
  RequestHead head;
  head.host_fields = 0;
  EXPECT_EQ(CheckRequestHead(head).reason(), "HTTP_HOST_INVALID");
  head.host_fields = 2;
  EXPECT_EQ(CheckRequestHead(head).reason(), "HTTP_HOST_INVALID");
  head.host_fields = 1;
  EXPECT_TRUE(CheckRequestHead(head).ok());
  RequestHead http10;
  http10.version = 10;
  http10.host_fields = 0;
  EXPECT_TRUE(CheckRequestHead(http10).ok());
}

TEST(HttpStrictnessTest, RefusesRepeatedAuthorization) {
  RequestHead head;
  head.host_fields = 1;
  head.authorization_fields = 2;
  EXPECT_EQ(CheckRequestHead(head).reason(), "DUPLICATE_AUTHORIZATION");
}

TEST(HttpStrictnessTest, AcceptsOnlyALoneChunkedTransferEncoding) {
  RequestHead head;
  head.host_fields = 1;
  head.transfer_encoding = {"chunked"};
  EXPECT_TRUE(CheckRequestHead(head).ok());
  head.transfer_encoding = {" Chunked "};
  EXPECT_TRUE(CheckRequestHead(head).ok());
  for (std::string_view bad : {"chunked, identity", "identity", "gzip, chunked", "chunked;x"}) {
    head.transfer_encoding = {bad};
    EXPECT_EQ(CheckRequestHead(head).reason(), "HTTP_TRANSFER_ENCODING_UNSUPPORTED") << bad;
  }
  head.transfer_encoding = {"chunked", "chunked"};
  EXPECT_EQ(CheckRequestHead(head).reason(), "HTTP_TRANSFER_ENCODING_UNSUPPORTED");
  head.transfer_encoding = {"chunked"};
  head.content_length_fields = 1;
  EXPECT_EQ(CheckRequestHead(head).reason(), "HTTP_FRAMING_AMBIGUOUS");
}

}  // namespace
}  // namespace attest::api
