#include "api/http_server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/error_mapping.h"

namespace attest::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::chrono::seconds kTlsShutdownTimeout{5};
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Shutdown: close now if waiting for a request, else after the current response.
  virtual void RequestClose() = 0;
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions opts, Handler h)
      : options(std::move(opts)), handler(std::move(h)), signals(ioc), drain_timer(ioc) {}

  Status Open();
  Status Listen(const net::ip::address& address, uint16_t port);
  void DoAccept(tcp::acceptor& acceptor);
  void BeginShutdown();
  void PollDrain(std::chrono::steady_clock::time_point deadline);
  void Register(uint64_t id, std::weak_ptr<SessionBase> s) {
    std::lock_guard lock(sessions_mu);
    sessions[id] = std::move(s);
  }
  void Unregister(uint64_t id) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(id);
  }

  HttpServerOptions options;
  Handler handler;
  ShutdownHook on_shutdown;
  net::io_context ioc;
  std::optional<ssl::context> tls;
  // One per bound address: "localhost" binds both 127.0.0.1 and ::1, because clients that
  // resolve localhost to ::1 first (Node 18) do not fall back to IPv4.
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors;
  net::signal_set signals;
  net::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active{0};
  std::atomic<uint64_t> next_id{1};
  std::mutex sessions_mu;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;
};

namespace {

template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
  using Stream =
      std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(HttpServer::Impl& server, tcp::socket&& socket)
    requires kTls
      : server_(server), stream_(std::move(socket), *server.tls), id_(server.next_id++) {}
  Session(HttpServer::Impl& server, tcp::socket&& socket)
    requires(!kTls)
      : server_(server), stream_(std::move(socket)), id_(server.next_id++) {}

  ~Session() override {
    server_.Unregister(id_);
    --server_.active;
  }

  void Start() {
    ++server_.active;
    server_.Register(id_, this->weak_from_this());
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->OnStart(); });
  }

  void RequestClose() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      if (self->idle_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  auto& Lowest() { return beast::get_lowest_layer(stream_); }

  void OnStart() {
    if constexpr (kTls) {
      Lowest().expires_after(server_.options.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](error_code ec) {
                                if (ec) return self->Close();
                                self->ReadHeader();
                              });
    } else {
      ReadHeader();
    }
  }

  void ReadHeader() {
    if (server_.stopping) return Close();
    parser_.emplace();
    parser_->body_limit(server_.options.max_body_bytes);
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    idle_ = buffer_.size() == 0;
    Lowest().expires_after(server_.options.idle_timeout);
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](error_code ec, size_t) {
                              self->idle_ = false;
                              self->OnHeader(ec);
                            });
  }

  void OnHeader(error_code ec) {
    if (ec) return OnReadError(ec);
    Lowest().expires_after(server_.options.read_timeout);
    const auto& req = parser_->get();
    auto expect = req[http::field::expect];
    if (!parser_->is_done() && beast::iequals(expect, "100-continue")) {
      net::async_write(stream_, net::buffer(kContinue.data(), kContinue.size()),
                       [self = this->shared_from_this()](error_code wec, size_t) {
                         if (wec) return self->Close();
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](error_code ec, size_t) {
                       if (ec) return self->OnReadError(ec);
                       self->HandleRequest();
                     });
  }

  void OnReadError(error_code ec) {
    if (ec == http::error::body_limit) {
      return Reply(ErrorResponse(Status::ResourceExhausted(
                       "REQUEST_BODY_TOO_LARGE",
                       "the request body is larger than the limit of " +
                           std::to_string(server_.options.max_body_bytes) + " bytes")),
                   false);
    }
    if (ec == http::error::header_limit) {
      return Reply(ErrorResponse(Status::InvalidArgument(
                       "REQUEST_HEADERS_TOO_LARGE", "the request headers are too large")),
                   false);
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Reply(ErrorResponse(Status::InvalidArgument(
                       "MALFORMED_HTTP_REQUEST", "malformed HTTP request: " + ec.message())),
                   false);
    }
    Close();  // EOF, timeout, reset, shutdown: nothing to answer
  }

  void HandleRequest() {
    http::request<http::string_body> req = parser_->release();
    HttpRequest in;
    in.method = std::string(req.method_string());
    in.target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in.headers[name] = std::string(field.value());
    }
    in.body = std::move(req.body());
    HttpResponse out;
    try {
      out = server_.handler(in);
    } catch (...) {
      out = ErrorResponse(Status::Internal("the request handler failed"));
    }
    Reply(std::move(out), req.keep_alive());
  }

  void Reply(HttpResponse out, bool keep_alive) {
    if (!out.error_reason.empty() && out.status >= 400) {
      // Errors answered here (not by the router) still get a log line.
      spdlog::debug("connection {} answered {} {}", id_, out.status, out.error_reason);
    }
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(out.status));
    res_.set(http::field::server, "attestd");
    res_.set(http::field::content_type, out.content_type);
    for (auto& [name, value] : out.headers) res_.set(name, value);
    res_.body() = std::move(out.body);
    res_.keep_alive(keep_alive && !server_.stopping);
    res_.prepare_payload();
    Lowest().expires_after(server_.options.write_timeout);
    http::async_write(stream_, res_, [self = this->shared_from_this()](error_code ec, size_t) {
      if (ec || !self->res_.keep_alive()) return self->Close();
      self->ReadHeader();
    });
  }

  void Close() {
    if (closing_) return;
    closing_ = true;
    if constexpr (kTls) {
      Lowest().expires_after(kTlsShutdownTimeout);
      stream_.async_shutdown([self = this->shared_from_this()](error_code) {
        error_code ignored;
        self->Lowest().socket().close(ignored);
      });
    } else {
      error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
      Lowest().socket().close(ignored);
    }
  }

  HttpServer::Impl& server_;
  Stream stream_;
  uint64_t id_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool idle_ = false;
  bool closing_ = false;
};

}  // namespace

Status HttpServer::Impl::Open() {
  error_code ec;
  if (options.tls) {
    tls.emplace(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                     ec);
    if (!ec) tls->use_certificate_chain_file(options.tls_cert_file, ec);
    if (ec) {
      return Status::InvalidArgument("TLS_CERT_UNUSABLE", "cannot load TLS certificate chain " +
                                                              options.tls_cert_file + ": " +
                                                              ec.message());
    }
    tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("TLS_KEY_UNUSABLE", "cannot load TLS private key " +
                                                             options.tls_key_file + ": " +
                                                             ec.message());
    }
  }
  if (options.host == "localhost") {
    if (Status v4 = Listen(net::ip::make_address("127.0.0.1"), options.port); !v4.ok()) return v4;
    // Same port as the IPv4 listener (which may have been ephemeral); a host without IPv6
    // keeps serving on IPv4 alone.
    uint16_t bound = acceptors.front()->local_endpoint(ec).port();
    if (Status v6 = Listen(net::ip::make_address("::1"), bound); !v6.ok()) {
      spdlog::warn("not listening on [::1]:{}: {}", bound, v6.message());
    }
    return Status::Ok();
  }
  net::ip::address address = net::ip::make_address(options.host, ec);
  if (ec) {
    return Status::InvalidArgument("INVALID_LISTEN_ADDRESS",
                                   "cannot parse listen host '" + options.host + "'");
  }
  return Listen(address, options.port);
}

Status HttpServer::Impl::Listen(const net::ip::address& address, uint16_t port) {
  error_code ec;
  tcp::endpoint endpoint(address, port);
  auto acceptor = std::make_unique<tcp::acceptor>(ioc);
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6()) acceptor->set_option(net::ip::v6_only(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable("LISTEN_FAILED", "cannot listen on " + address.to_string() + ":" +
                                                    std::to_string(port) + ": " + ec.message());
  }
  acceptors.push_back(std::move(acceptor));
  return Status::Ok();
}

void HttpServer::Impl::DoAccept(tcp::acceptor& acceptor) {
  acceptor.async_accept(net::make_strand(ioc), [this, &acceptor](error_code ec,
                                                                tcp::socket socket) {
    if (stopping) return;
    if (!ec) {
      if (active.load() >= options.max_connections) {
        error_code ignored;
        socket.close(ignored);
      } else if (options.tls) {
        std::make_shared<Session<true>>(*this, std::move(socket))->Start();
      } else {
        std::make_shared<Session<false>>(*this, std::move(socket))->Start();
      }
    } else if (ec == net::error::operation_aborted) {
      return;
    }
    DoAccept(acceptor);
  });
}

void HttpServer::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections, draining {} open", active.load());
  if (on_shutdown) on_shutdown();
  error_code ignored;
  for (auto& acceptor : acceptors) acceptor->close(ignored);
  signals.cancel(ignored);
  std::vector<std::shared_ptr<SessionBase>> live;
  {
    std::lock_guard lock(sessions_mu);
    for (auto& [id, weak] : sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  for (auto& s : live) s->RequestClose();
  live.clear();
  PollDrain(std::chrono::steady_clock::now() + options.drain_timeout);
}

void HttpServer::Impl::PollDrain(std::chrono::steady_clock::time_point deadline) {
  if (active.load() == 0 || std::chrono::steady_clock::now() >= deadline) {
    ioc.stop();
    return;
  }
  drain_timer.expires_after(std::chrono::milliseconds(50));
  drain_timer.async_wait([this, deadline](error_code) { PollDrain(deadline); });
}

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() = default;

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options,
                                                         Handler handler) {
  try {
    auto impl = std::make_unique<Impl>(std::move(options), std::move(handler));
    ATTEST_RETURN_IF_ERROR(impl->Open());
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return Err(Status::Internal(std::string("cannot create the HTTP server: ") + e.what()));
  }
}

uint16_t HttpServer::port() const {
  error_code ec;
  if (impl_->acceptors.empty()) return 0;
  auto ep = impl_->acceptors.front()->local_endpoint(ec);
  return ec ? 0 : ep.port();
}

Status HttpServer::Run(ShutdownHook on_shutdown) {
  Impl& s = *impl_;
  s.on_shutdown = std::move(on_shutdown);
  error_code ec;
  s.signals.add(SIGINT, ec);
  s.signals.add(SIGTERM, ec);
  s.signals.async_wait([&s](error_code wec, int) {
    if (!wec) s.BeginShutdown();
  });
  for (auto& acceptor : s.acceptors) s.DoAccept(*acceptor);
  unsigned workers = s.options.workers != 0 ? s.options.workers
                                            : std::max(1u, std::thread::hardware_concurrency());
  auto run = [&s] {
    for (;;) {
      try {
        s.ioc.run();
        return;
      } catch (const std::exception& e) {
        spdlog::error("I/O thread caught an exception and continues: {}", e.what());
      } catch (...) {
        spdlog::error("I/O thread caught an unknown exception and continues");
      }
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (unsigned i = 1; i < workers; ++i) threads.emplace_back(run);
  run();
  for (auto& t : threads) t.join();
  return Status::Ok();
}

void HttpServer::Stop() {
  net::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

}  // namespace attest::api
