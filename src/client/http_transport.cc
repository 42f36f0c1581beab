#include "client/http_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <exception>
#include <optional>

#include "base/reasons.h"

namespace attest::client {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;
using SteadyTime = std::chrono::steady_clock::time_point;

namespace {

constexpr uint32_t kMaxResponseHeaderBytes = 32 * 1024;
constexpr std::string_view kUserAgent = "attestd-client/0.1";

Status Unavailable(std::string reason, std::string_view what, const ErrorCode& ec) {
  return Status::Unavailable(std::move(reason), std::string(what) + ": " + ec.message());
}

bool IsTimeout(const ErrorCode& ec) {
  return ec == beast::error::timeout || ec == asio::error::operation_aborted;
}

// Starts one asynchronous operation and runs the context until its handler ran. Deadlines
// are enforced by beast::tcp_stream (which cancels the operation) or by `cancel` for the
// resolver.
template <typename Start>
ErrorCode RunOne(asio::io_context& ioc, Start&& start) {
  std::optional<ErrorCode> result;
  start([&result](ErrorCode ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result.value_or(asio::error::operation_aborted);
}

}  // namespace

struct HttpTransport::Impl {
  EndpointUrl endpoint;
  TransportOptions options;
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls;  // only for https

  StatusOr<tcp::resolver::results_type> Resolve(SteadyTime deadline) {
    tcp::resolver resolver(ioc);
    tcp::resolver::results_type results;
    std::optional<ErrorCode> result;
    resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                           [&](ErrorCode ec, tcp::resolver::results_type r) {
                             result = ec;
                             results = std::move(r);
                           });
    ioc.restart();
    ioc.run_until(deadline);
    if (!result.has_value()) {
      resolver.cancel();
      ioc.restart();
      ioc.run();
      return Err(
          Status::Unavailable(reason::kTimeout, "resolving " + endpoint.host + " timed out"));
    }
    if (*result) {
      return Err(
          Unavailable(reason::kConnectionFailed, "cannot resolve " + endpoint.host, *result));
    }
    return results;
  }

  Status Connect(beast::tcp_stream& stream, const tcp::resolver::results_type& results,
                 SteadyTime deadline) {
    stream.expires_at(std::min(deadline, std::chrono::steady_clock::now() + options.connect_timeout));
    ErrorCode ec = RunOne(ioc, [&](auto handler) { stream.async_connect(results, handler); });
    if (IsTimeout(ec)) {
      return Status::Unavailable(reason::kTimeout,
                                 "connecting to " + endpoint.HostHeader() + " timed out");
    }
    if (ec) {
      return Unavailable(reason::kConnectionFailed, "cannot connect to " + endpoint.HostHeader(),
                         ec);
    }
    return Status::Ok();
  }

  Status Handshake(beast::ssl_stream<beast::tcp_stream>& stream, SteadyTime deadline) {
    SSL* ssl = stream.native_handle();
    ErrorCode addr_ec;
    asio::ip::make_address(endpoint.host, addr_ec);
    bool is_ip = !addr_ec;
    // RFC 6125 identity check: IP SAN for address literals, DNS name (and SNI) otherwise.
    int set_ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), endpoint.host.c_str())
                       : SSL_set1_host(ssl, endpoint.host.c_str());
    if (set_ok != 1 || (!is_ip && SSL_set_tlsext_host_name(ssl, endpoint.host.c_str()) != 1)) {
      ERR_clear_error();
      return Status::Internal("cannot configure TLS host name verification");
    }
    beast::get_lowest_layer(stream).expires_at(deadline);
    ErrorCode ec = RunOne(ioc, [&](auto handler) {
      stream.async_handshake(asio::ssl::stream_base::client, handler);
    });
    if (IsTimeout(ec)) {
      return Status::Unavailable(reason::kTimeout,
                                 "TLS handshake with " + endpoint.HostHeader() + " timed out");
    }
    if (ec) {
      std::string detail = ec.message();
      long verify = SSL_get_verify_result(ssl);
      if (verify != X509_V_OK) {
        detail += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
      }
      ERR_clear_error();
      return Status::Unavailable(
          reason::kTlsHandshakeFailed,
          "TLS handshake with " + endpoint.HostHeader() + " failed: " + detail);
    }
    return Status::Ok();
  }

  template <typename Stream>
  StatusOr<HttpResponse> Exchange(Stream& stream, const HttpRequest& request, SteadyTime deadline) {
    http::request<http::string_body> req;
    req.method(request.method == "POST" ? http::verb::post
               : request.method == "PUT" ? http::verb::put
                                         : http::verb::get);
    req.target(endpoint.Target(request.target));
    req.version(11);
    req.set(http::field::host, endpoint.HostHeader());
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::accept, request.accept);
    req.set(http::field::connection, "close");
    if (!request.authorization.empty()) {
      req.set(http::field::authorization, request.authorization);
    }
    if (!request.content_type.empty()) {
      req.set(http::field::content_type, request.content_type);
    }
    req.body() = request.body;
    req.prepare_payload();

    beast::get_lowest_layer(stream).expires_at(deadline);
    ErrorCode ec = RunOne(ioc, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) {
      return Err(IsTimeout(ec)
                     ? Status::Unavailable(reason::kTimeout, "sending the request timed out")
                     : Unavailable(reason::kHttpIoError, "sending the request failed", ec));
    }

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(kMaxResponseHeaderBytes);
    parser.body_limit(options.max_response_bytes);
    ec = RunOne(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, handler); });
    if (ec == http::error::body_limit || ec == http::error::header_limit ||
        ec == http::error::buffer_overflow) {
      return Err(Status::ResourceExhausted(
          reason::kResponseTooLarge,
          "response exceeds " + std::to_string(options.max_response_bytes) + " bytes"));
    }
    if (ec) {
      return Err(IsTimeout(ec)
                     ? Status::Unavailable(reason::kTimeout, "reading the response timed out")
                     : Unavailable(reason::kHttpIoError, "reading the response failed", ec));
    }
    HttpResponse response;
    response.status = parser.get().result_int();
    response.content_type = std::string(parser.get()[http::field::content_type]);
    for (const auto& field : parser.get()) {
      std::string name(field.name_string());
      for (char& ch : name) {
        if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      }
      response.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    response.body = std::move(parser.get().body());
    return response;
  }

  StatusOr<HttpResponse> Send(const HttpRequest& request) {
    SteadyTime deadline = std::chrono::steady_clock::now() + options.request_timeout;
    ATTEST_ASSIGN_OR_RETURN(auto results, Resolve(deadline));
    if (!tls.has_value()) {
      beast::tcp_stream stream(ioc);
      ATTEST_RETURN_IF_ERROR(Connect(stream, results, deadline));
      return Exchange(stream, request, deadline);
    }
    beast::ssl_stream<beast::tcp_stream> stream(ioc, *tls);
    ATTEST_RETURN_IF_ERROR(Connect(beast::get_lowest_layer(stream), results, deadline));
    ATTEST_RETURN_IF_ERROR(Handshake(stream, deadline));
    // The response is complete (Content-Length or chunked end); closing without a TLS
    // close_notify loses nothing.
    return Exchange(stream, request, deadline);
  }
};

HttpTransport::HttpTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpTransport::~HttpTransport() = default;

StatusOr<std::unique_ptr<HttpTransport>> HttpTransport::Create(const EndpointUrl& endpoint,
                                                               const TransportOptions& options) {
  try {
    auto impl = std::make_unique<Impl>();
    impl->endpoint = endpoint;
    impl->options = options;
    if (endpoint.tls) {
      impl->tls.emplace(asio::ssl::context::tls_client);
      SSL_CTX* ctx = impl->tls->native_handle();
      if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
        return Err(Status::Internal("cannot require TLS 1.2"));
      }
      if (!options.ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx, options.ca_file.c_str(), nullptr) != 1) {
          ERR_clear_error();
          return Err(Status::InvalidArgument(
              reason::kInvalidCaFile, "cannot load CA certificates from " + options.ca_file));
        }
      } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        ERR_clear_error();
        return Err(Status::Internal("cannot load the system trust store"));
      }
      if (!options.extra_ca_file.empty() &&
          SSL_CTX_load_verify_locations(ctx, options.extra_ca_file.c_str(), nullptr) != 1) {
        ERR_clear_error();
        return Err(Status::InvalidArgument(
            "INVALID_CA_FILE", "cannot load CA certificates from " + options.extra_ca_file));
      }
      impl->tls->set_verify_mode(asio::ssl::verify_peer);
    }
    return std::unique_ptr<HttpTransport>(new HttpTransport(std::move(impl)));
  } catch (const std::exception& e) {
    return Err(Status(StatusCode::kInternal, reason::kTlsSetupFailed, e.what()));
  }
}

StatusOr<HttpResponse> HttpTransport::Send(const HttpRequest& request) {
  try {
    return impl_->Send(request);
  } catch (const std::exception& e) {
    // Beast/Asio throw only on resource exhaustion or misuse; keep it a value.
    return Err(Status::Unavailable(reason::kHttpIoError,
                                   std::string("HTTP exchange failed: ") + e.what()));
  }
}

}  // namespace attest::client
