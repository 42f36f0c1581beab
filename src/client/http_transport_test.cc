// The client transport against a canned loopback HTTP server: error envelopes, response caps,
// timeouts and refused connections become the documented Status values.
#include "client/http_transport.h"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <string>
#include <thread>

#include "client/attestation_client.h"

namespace attest::client {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Serves exactly one connection: reads one request (headers and Content-Length body), records
// it, and answers with `response` (or nothing, holding the connection, when `respond` is false).
class OneShotServer {
 public:
  OneShotServer(std::string response, bool respond = true)
      : acceptor_(ioc_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        response_(std::move(response)),
        respond_(respond) {
    thread_ = std::thread([this] { Serve(); });
  }
  ~OneShotServer() {
    boost::system::error_code ec;
    acceptor_.close(ec);
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  const std::string& request() const { return request_; }  // valid after the client returned

 private:
  void Serve() {
    boost::system::error_code ec;
    tcp::socket socket(ioc_);
    acceptor_.accept(socket, ec);
    if (ec) {
      return;
    }
    std::string data;
    size_t header_end = asio::read_until(socket, asio::dynamic_buffer(data), "\r\n\r\n", ec);
    if (ec) {
      return;
    }
    size_t content_length = 0;
    size_t pos = data.find("Content-Length: ");
    if (pos != std::string::npos && pos < header_end) {
      content_length = std::stoul(data.substr(pos + 16));
    }
    while (data.size() < header_end + content_length && !ec) {
      char buf[4096];
      size_t n = socket.read_some(asio::buffer(buf), ec);
      data.append(buf, n);
    }
    request_ = data;
    if (respond_) {
      asio::write(socket, asio::buffer(response_), ec);
    } else {
      char buf[1];
      socket.read_some(asio::buffer(buf), ec);  // until the client gives up and closes
    }
  }

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::string response_;
  bool respond_;
  std::string request_;
  std::thread thread_;
};

std::string HttpResponseText(int status, const std::string& body) {
  return "HTTP/1.1 " + std::to_string(status) + " X\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::unique_ptr<AttestationClient> ClientFor(uint16_t port, size_t max_response = 1 << 20,
                                             std::chrono::milliseconds timeout =
                                                 std::chrono::milliseconds(30'000)) {
  AttestationClientOptions options;
  options.endpoint = "http://127.0.0.1:" + std::to_string(port);
  options.max_response_bytes = max_response;
  options.request_timeout = timeout;
  auto client = AttestationClient::Create(options);
  EXPECT_TRUE(client.has_value());
  return std::move(client).value();
}

TEST(HttpTransportTest, ServerErrorEnvelopeBecomesStatusAndRequestMatchesWire) {
  OneShotServer server(HttpResponseText(
      400, R"({"error":{"code":"InvalidParameter","message":"bad quote","reason":"SGX_QUOTE_SIGNATURE_INVALID"}})"));
  auto client = ClientFor(server.port());
  AttestOptions options;
  options.nonce = "n1";
  auto result = client->AttestSgxEnclave(Bytes{1, 2, 3}, options);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(result.error().reason(), "SGX_QUOTE_SIGNATURE_INVALID");
  EXPECT_EQ(result.error().category(), "InvalidParameter");
  EXPECT_EQ(result.error().message(), "bad quote");

  const std::string& request = server.request();
  EXPECT_TRUE(request.starts_with("POST /attest/SgxEnclave?api-version=2022-08-01 HTTP/1.1\r\n"))
      << request;
  EXPECT_NE(request.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_TRUE(request.ends_with("\r\n\r\n" R"({"quote":"AQID","nonce":"n1"})")) << request;
}

TEST(HttpTransportTest, OversizedResponseIsRejected) {
  OneShotServer server(HttpResponseText(200, R"({"keys":[)" + std::string(5000, ' ') + "]}"));
  auto client = ClientFor(server.port(), /*max_response=*/1024);
  auto signers = client->GetAttestationSigners();
  ASSERT_FALSE(signers.has_value());
  EXPECT_EQ(signers.error().reason(), "RESPONSE_TOO_LARGE");
  EXPECT_EQ(signers.error().code(), StatusCode::kResourceExhausted);
}

TEST(HttpTransportTest, ParsesOpenIdMetadataAndRejectsNonJson) {
  {
    OneShotServer server(HttpResponseText(200, R"({"issuer":"http://127.0.0.1","jwks_uri":"x"})"));
    auto metadata = ClientFor(server.port())->GetOpenIdMetadata();
    ASSERT_TRUE(metadata.has_value()) << metadata.error().ToString();
    EXPECT_EQ((*metadata)["issuer"], "http://127.0.0.1");
    EXPECT_TRUE(server.request().starts_with("GET /.well-known/openid-configuration HTTP/1.1"));
  }
  {
    OneShotServer server(HttpResponseText(200, "<html/>"));
    auto metadata = ClientFor(server.port())->GetOpenIdMetadata();
    ASSERT_FALSE(metadata.has_value());
    EXPECT_EQ(metadata.error().reason(), "INVALID_RESPONSE");
  }
}

TEST(HttpTransportTest, SilentServerTimesOutAsUnavailable) {
  OneShotServer server("", /*respond=*/false);
  auto client = ClientFor(server.port(), 1 << 20, std::chrono::milliseconds(300));
  auto signers = client->GetAttestationSigners();
  ASSERT_FALSE(signers.has_value());
  EXPECT_EQ(signers.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(signers.error().reason(), "TIMEOUT");
}

TEST(HttpTransportTest, RefusedConnectionIsUnavailable) {
  uint16_t port = 0;
  {
    asio::io_context ioc;
    tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = probe.local_endpoint().port();
  }  // closed: nothing listens there now
  auto signers = ClientFor(port)->GetAttestationSigners();
  ASSERT_FALSE(signers.has_value());
  EXPECT_EQ(signers.error().code(), StatusCode::kUnavailable);
  EXPECT_EQ(signers.error().reason(), "CONNECTION_FAILED");
}

}  // namespace
}  // namespace attest::client
