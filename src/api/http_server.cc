#include "api/http_server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "api/error_mapping.h"
#include "api/http_strictness.h"
#include "api/work_pool.h"
#include "base/reasons.h"

namespace attest::api {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

constexpr std::chrono::seconds kTlsShutdownTimeout{5};
// After an error answered before the body was read (413, malformed head), the rest of what
// the client sends is read and discarded for a while, so that closing with unread data does
// not reset the connection and destroy the answer before the client reads it (RFC 9112 §9.6).
constexpr std::chrono::seconds kLingerTimeout{5};
constexpr size_t kLingerMaxBytes = 64 * 1024 * 1024;
constexpr size_t kHeadReadChunk = 4096;
// accept() failing for want of descriptors or memory: wait, doubling up to the maximum.
constexpr std::chrono::milliseconds kAcceptBackoffMin{20};
constexpr std::chrono::milliseconds kAcceptBackoffMax{1000};
constexpr std::chrono::seconds kAcceptLogInterval{10};
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
  Impl(HttpServerOptions opts, Handler h, InlinePredicate inline_pred)
      : options(std::move(opts)),
        handler(std::move(h)),
        run_inline(std::move(inline_pred)),
        signals(ioc),
        drain_timer(ioc) {}

  struct Listener {
    explicit Listener(net::io_context& ioc) : acceptor(ioc), retry(ioc) {}
    tcp::acceptor acceptor;
    net::steady_timer retry;
    std::chrono::milliseconds backoff{0};
  };

  Status Open();
  void SizeConnectionCaps();
  Status Listen(const net::ip::address& address, uint16_t port);
  void DoAccept(Listener& listener);
  void OnAcceptFailure(Listener& listener, const error_code& ec);
  // Counts a new connection from `source`; false when a cap is reached (then close it).
  bool Admit(const net::ip::address& source);
  void BeginShutdown();
  void PollDrain(std::chrono::steady_clock::time_point deadline);
  void Register(uint64_t id, std::weak_ptr<SessionBase> s) {
    std::lock_guard lock(sessions_mu);
    sessions[id] = std::move(s);
  }
  void Unregister(uint64_t id, const net::ip::address& source) {
    std::lock_guard lock(sessions_mu);
    sessions.erase(id);
    auto it = per_source.find(source);
    if (it != per_source.end() && --it->second == 0) per_source.erase(it);
  }
  // Runs the handler; a throw is answered with 500 and never leaves the worker.
  HttpResponse Invoke(const HttpRequest& request) {
    try {
      return handler(request);
    } catch (...) {
      return ErrorResponse(Status::Internal("the request handler failed"));
    }
  }

  HttpServerOptions options;
  Handler handler;
  InlinePredicate run_inline;
  ShutdownHook on_shutdown;
  std::atomic<bool> stopping{false};
  std::atomic<size_t> active{0};
  std::atomic<uint64_t> next_id{1};
  std::atomic<uint64_t> accept_failures{0};
  size_t max_connections = 0;
  size_t per_source_cap = 0;
  // Declared before ioc: sessions destroyed with the io_context still unregister here.
  std::mutex sessions_mu;
  std::unordered_map<uint64_t, std::weak_ptr<SessionBase>> sessions;
  std::map<net::ip::address, size_t> per_source;  // guarded by sessions_mu
  std::optional<ssl::context> tls;
  std::mutex accept_log_mu;
  std::chrono::steady_clock::time_point accept_logged{};
  uint64_t accept_unlogged = 0;  // guarded by accept_log_mu
  net::io_context ioc;
  // Declared after ioc, so destroyed (and joined) before it: its tasks post to ioc.
  std::unique_ptr<WorkPool> pool;
  // One per bound address: "localhost" binds both 127.0.0.1 and ::1, because clients that
  // resolve localhost to ::1 first (Node 18) do not fall back to IPv4.
  std::vector<std::unique_ptr<Listener>> listeners;
  net::signal_set signals;
  net::steady_timer drain_timer;
};

namespace {

Status ServerBusy() {
  return Status::Unavailable(reason::kServerBusy,
                             "attestd is at its limit of queued requests; retry shortly");
}

Status DeadlineExceeded() {
  return Status::Unavailable(reason::kRequestDeadlineExceeded,
                             "the request was not completed within the server's deadline");
}

template <bool kTls>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<kTls>> {
  using Stream = std::conditional_t<kTls, beast::ssl_stream<beast::tcp_stream>, beast::tcp_stream>;

 public:
  Session(HttpServer::Impl& server, tcp::socket&& socket, net::ip::address source) requires kTls
      : server_(server),
        stream_(std::move(socket), *server.tls),
        deadline_timer_(stream_.get_executor()),
        id_(server.next_id++),
        source_(std::move(source)) {}
  Session(HttpServer::Impl& server, tcp::socket&& socket, net::ip::address source) requires(!kTls)
      : server_(server),
        stream_(std::move(socket)),
        deadline_timer_(stream_.get_executor()),
        id_(server.next_id++),
        source_(std::move(source)) {}

  ~Session() override {
    server_.Unregister(id_, source_);
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
  std::string_view Buffered() const {
    return {static_cast<const char*>(buffer_.data().data()), buffer_.size()};
  }

  void OnStart() {
    if constexpr (kTls) {
      // A short handshake timeout: a connection that never starts TLS holds a slot (of its
      // source's share) for seconds, not for the request read timeout.
      Lowest().expires_after(server_.options.handshake_timeout);
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
    // Keep-alive wait until the next request starts; from its first byte, the read timeout
    // covers the whole head and body (slow senders cannot stretch it).
    Lowest().expires_after(idle_ ? server_.options.idle_timeout : server_.options.read_timeout);
    ReadHead();
  }

  // Reads until the request head is complete, so that its raw lines can be checked for
  // obs-fold (which Beast would silently unfold) before Beast parses them.
  void ReadHead() {
    size_t end = FindHeadEnd(Buffered());
    if (end != std::string_view::npos || buffer_.size() > server_.options.max_header_bytes) {
      if (end == std::string_view::npos || end > server_.options.max_header_bytes + 4) {
        return Refuse(Status::InvalidArgument(reason::kRequestHeadersTooLarge,
                                              "the request headers are too large"));
      }
      if (Status s = CheckNoLineFolding(Buffered().substr(0, end)); !s.ok()) return Refuse(s);
      // The whole head is buffered: Beast parses it without reading.
      http::async_read_header(
          stream_, buffer_, *parser_,
          [self = this->shared_from_this()](error_code ec, size_t) { self->OnHeader(ec); });
      return;
    }
    stream_.async_read_some(buffer_.prepare(kHeadReadChunk),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              if (ec) return self->OnReadError(ec);
                              if (self->idle_) {
                                self->idle_ = false;
                                self->Lowest().expires_after(self->server_.options.read_timeout);
                              }
                              self->buffer_.commit(n);
                              self->ReadHead();
                            });
  }

  void OnHeader(error_code ec) {
    if (ec) return OnReadError(ec);
    const auto& req = parser_->get();
    RequestHead head;
    head.version = req.version();
    for (const auto& field : req) {
      switch (field.name()) {
        case http::field::transfer_encoding:
          head.transfer_encoding.emplace_back(field.value().data(), field.value().size());
          break;
        case http::field::content_length:
          ++head.content_length_fields;
          break;
        case http::field::host:
          ++head.host_fields;
          break;
        case http::field::authorization:
          ++head.authorization_fields;
          break;
        default:
          break;
      }
    }
    if (Status s = CheckRequestHead(head); !s.ok()) return Refuse(s);
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
      return Refuse(Status::ResourceExhausted(reason::kRequestBodyTooLarge,
                                              "the request body is larger than the limit of " +
                                                  std::to_string(server_.options.max_body_bytes) +
                                                  " bytes"));
    }
    if (ec == http::error::header_limit) {
      return Refuse(Status::InvalidArgument(reason::kRequestHeadersTooLarge,
                                            "the request headers are too large"));
    }
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return Refuse(Status::InvalidArgument(reason::kMalformedHttpRequest,
                                            "malformed HTTP request: " + ec.message()));
    }
    Close();  // EOF, timeout, reset, shutdown: nothing to answer
  }

  void HandleRequest() {
    http::request<http::string_body> req = parser_->release();
    auto in = std::make_shared<HttpRequest>();
    in->method = std::string(req.method_string());
    in->target = std::string(req.target());
    for (const auto& field : req) {
      std::string name(field.name_string());
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in->headers[name] = std::string(field.value());
    }
    in->body = std::move(req.body());
    in->deadline = std::chrono::steady_clock::now() + server_.options.request_deadline;
    const bool keep_alive = req.keep_alive();
    if (server_.run_inline && server_.run_inline(*in)) {
      return Reply(server_.Invoke(*in), keep_alive);
    }
    WorkPool::Task task = [self = this->shared_from_this(), in, keep_alive] {
      // Still queued at its deadline: the deadline timer has answered; do not spend a worker.
      if (std::chrono::steady_clock::now() >= in->deadline) return;
      HttpResponse out = self->server_.Invoke(*in);
      net::post(self->stream_.get_executor(), [self, out = std::move(out), keep_alive]() mutable {
        self->Deliver(std::move(out), keep_alive);
      });
    };
    awaiting_ = true;
    if (!server_.pool->TrySubmit(task)) {
      awaiting_ = false;
      return Reply(ErrorResponse(ServerBusy()), keep_alive);
    }
    deadline_timer_.expires_at(in->deadline);
    deadline_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec) return;  // cancelled: the worker answered first
      // The worker may still be running; its answer is dropped, and the connection is
      // closed after this one so that no later answer can be confused with it.
      self->Deliver(ErrorResponse(DeadlineExceeded()), false);
    });
  }

  // The one answer to a request handed to the pool: from the worker or the deadline timer,
  // whichever comes first (both run on this session's strand).
  void Deliver(HttpResponse out, bool keep_alive) {
    if (!awaiting_) return;
    awaiting_ = false;
    deadline_timer_.cancel();
    Reply(std::move(out), keep_alive);
  }

  // An error found before the request body was consumed: answer, then linger.
  void Refuse(const Status& status) { Reply(ErrorResponse(status), false, /*linger=*/true); }

  void Reply(HttpResponse out, bool keep_alive, bool linger = false) {
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
    res_.keep_alive(keep_alive && !linger && !server_.stopping);
    res_.prepare_payload();
    Lowest().expires_after(server_.options.write_timeout);
    http::async_write(stream_, res_,
                      [self = this->shared_from_this(), linger](error_code ec, size_t) {
                        if (ec) return self->Close();
                        if (linger) return self->Linger();
                        if (!self->res_.keep_alive()) return self->Close();
                        self->ReadHeader();
                      });
  }

  void Linger() {
    if constexpr (!kTls) {
      // The client sees the end of the answer at once, and may stop sending.
      error_code ignored;
      Lowest().socket().shutdown(tcp::socket::shutdown_send, ignored);
    }
    Lowest().expires_after(kLingerTimeout);
    drain_ = std::make_unique<char[]>(kHeadReadChunk);
    Drain();
  }

  void Drain() {
    stream_.async_read_some(net::buffer(drain_.get(), kHeadReadChunk),
                            [self = this->shared_from_this()](error_code ec, size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > kLingerMaxBytes) return self->Close();
                              self->Drain();
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
  net::steady_timer deadline_timer_;
  uint64_t id_;
  net::ip::address source_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::unique_ptr<char[]> drain_;
  size_t drained_ = 0;
  bool idle_ = false;
  bool awaiting_ = false;
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
      return Status::InvalidArgument(
          reason::kTlsCertUnusable,
          "cannot load TLS certificate chain " + options.tls_cert_file + ": " + ec.message());
    }
    tls->use_private_key_file(options.tls_key_file, ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument(
          reason::kTlsKeyUnusable,
          "cannot load TLS private key " + options.tls_key_file + ": " + ec.message());
    }
  }
  SizeConnectionCaps();
  if (options.host == "localhost") {
    if (Status v4 = Listen(net::ip::make_address("127.0.0.1"), options.port); !v4.ok()) return v4;
    // Same port as the IPv4 listener (which may have been ephemeral); a host without IPv6
    // keeps serving on IPv4 alone.
    uint16_t bound = listeners.front()->acceptor.local_endpoint(ec).port();
    if (Status v6 = Listen(net::ip::make_address("::1"), bound); !v6.ok()) {
      spdlog::warn("not listening on [::1]:{}: {}", bound, v6.message());
    }
    return Status::Ok();
  }
  net::ip::address address = net::ip::make_address(options.host, ec);
  if (ec) {
    return Status::InvalidArgument(reason::kInvalidListenAddress,
                                   "cannot parse listen host '" + options.host + "'");
  }
  return Listen(address, options.port);
}

// Every connection costs a descriptor, so the cap must leave room under RLIMIT_NOFILE for
// the store, key and collateral files, logs and the event loop; a cap above the limit turns
// a flood into EMFILE for everything else in the process.
void HttpServer::Impl::SizeConnectionCaps() {
  max_connections = std::max<size_t>(1, options.max_connections);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < limit.rlim_max) {
      rlimit raised = limit;
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? std::max<rlim_t>(limit.rlim_cur, 1 << 20)
                                                        : std::min<rlim_t>(limit.rlim_max, 1 << 20);
      if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    if (limit.rlim_cur != RLIM_INFINITY) {
      const size_t soft = static_cast<size_t>(limit.rlim_cur);
      const size_t reserve = std::min(std::max<size_t>(32, soft / 8), soft / 2);
      const size_t fit = std::max<size_t>(1, soft - reserve);
      if (fit < max_connections) {
        spdlog::info("connection cap {} (RLIMIT_NOFILE {}, {} descriptors kept in reserve)", fit,
                     soft, reserve);
        max_connections = fit;
      }
    }
  }
  per_source_cap = options.max_connections_per_source != 0
                       ? options.max_connections_per_source
                       : std::max<size_t>(16, max_connections / 8);
  per_source_cap = std::min(per_source_cap, max_connections);
}

Status HttpServer::Impl::Listen(const net::ip::address& address, uint16_t port) {
  error_code ec;
  tcp::endpoint endpoint(address, port);
  auto listener = std::make_unique<Listener>(ioc);
  tcp::acceptor& acceptor = listener->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec && address.is_v6()) acceptor.set_option(net::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Unavailable(reason::kListenFailed, "cannot listen on " + address.to_string() +
                                                          ":" + std::to_string(port) + ": " +
                                                          ec.message());
  }
  listeners.push_back(std::move(listener));
  return Status::Ok();
}

bool HttpServer::Impl::Admit(const net::ip::address& source) {
  if (active.load() >= max_connections) return false;
  std::lock_guard lock(sessions_mu);
  size_t& count = per_source[source];
  if (count >= per_source_cap) {
    if (count == 0) per_source.erase(source);
    return false;
  }
  ++count;
  return true;
}

void HttpServer::Impl::DoAccept(Listener& listener) {
  listener.acceptor.async_accept(
      net::make_strand(ioc), [this, &listener](error_code ec, tcp::socket socket) {
        if (stopping) return;
        if (ec == net::error::operation_aborted) return;
        if (ec) return OnAcceptFailure(listener, ec);
        listener.backoff = std::chrono::milliseconds(0);
        error_code peer_ec;
        net::ip::address source = socket.remote_endpoint(peer_ec).address();
        if (peer_ec || !Admit(source)) {
          error_code ignored;
          socket.close(ignored);
        } else if (options.tls) {
          std::make_shared<Session<true>>(*this, std::move(socket), source)->Start();
        } else {
          std::make_shared<Session<false>>(*this, std::move(socket), source)->Start();
        }
        DoAccept(listener);
      });
}

void HttpServer::Impl::OnAcceptFailure(Listener& listener, const error_code& ec) {
  ++accept_failures;
  const bool exhausted = ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
                         ec == net::error::no_memory || ec.value() == ENFILE;
  if (!exhausted) {
    // A failure of that one connection (e.g. aborted before accept): take the next.
    return DoAccept(listener);
  }
  // Re-arming at once would spin a core while descriptors stay exhausted; wait, and keep
  // serving the connections already open meanwhile.
  listener.backoff = std::clamp(listener.backoff * 2, kAcceptBackoffMin, kAcceptBackoffMax);
  {
    std::lock_guard lock(accept_log_mu);
    const auto now = std::chrono::steady_clock::now();
    if (now - accept_logged >= kAcceptLogInterval) {
      spdlog::warn(
          "accept failed: {} ({} more since the last report); retrying in {} ms with {} "
          "connections open",
          ec.message(), accept_unlogged, listener.backoff.count(), active.load());
      accept_logged = now;
      accept_unlogged = 0;
    } else {
      ++accept_unlogged;
    }
  }
  listener.retry.expires_after(listener.backoff);
  listener.retry.async_wait([this, &listener](error_code wec) {
    if (wec || stopping) return;
    DoAccept(listener);
  });
}

void HttpServer::Impl::BeginShutdown() {
  if (stopping.exchange(true)) return;
  spdlog::info("shutting down: no new connections, draining {} open", active.load());
  if (on_shutdown) on_shutdown();
  error_code ignored;
  for (auto& listener : listeners) {
    listener->acceptor.close(ignored);
    listener->retry.cancel();
  }
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

StatusOr<std::unique_ptr<HttpServer>> HttpServer::Create(HttpServerOptions options, Handler handler,
                                                         InlinePredicate run_inline) {
  try {
    auto impl =
        std::make_unique<Impl>(std::move(options), std::move(handler), std::move(run_inline));
    ATTEST_RETURN_IF_ERROR(impl->Open());
    return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
  } catch (const std::exception& e) {
    return Err(Status::Internal(std::string("cannot create the HTTP server: ") + e.what()));
  }
}

uint16_t HttpServer::port() const {
  error_code ec;
  if (impl_->listeners.empty()) return 0;
  auto ep = impl_->listeners.front()->acceptor.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

size_t HttpServer::max_connections() const { return impl_->max_connections; }
size_t HttpServer::max_connections_per_source() const { return impl_->per_source_cap; }
uint64_t HttpServer::accept_failures() const { return impl_->accept_failures.load(); }

Status HttpServer::Run(ShutdownHook on_shutdown) {
  Impl& s = *impl_;
  s.on_shutdown = std::move(on_shutdown);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const unsigned workers = s.options.workers != 0 ? s.options.workers : cores;
  const unsigned io_threads = s.options.io_threads != 0 ? s.options.io_threads : cores;
  s.pool = std::make_unique<WorkPool>(workers, s.options.max_queued_requests);
  error_code ec;
  s.signals.add(SIGINT, ec);
  s.signals.add(SIGTERM, ec);
  s.signals.async_wait([&s](error_code wec, int) {
    if (!wec) s.BeginShutdown();
  });
  for (auto& listener : s.listeners) s.DoAccept(*listener);
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
  threads.reserve(io_threads - 1);
  for (unsigned i = 1; i < io_threads; ++i) threads.emplace_back(run);
  run();
  for (auto& t : threads) t.join();
  // Requests still running finish (their answers go nowhere); queued ones are dropped.
  s.pool->Shutdown();
  return Status::Ok();
}

void HttpServer::Stop() {
  net::post(impl_->ioc, [this] { impl_->BeginShutdown(); });
}

}  // namespace attest::api
