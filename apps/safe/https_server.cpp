#include "https_server.hpp"

#include <mutex>
#include <optional>
#include <set>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <fmt/format.h>

#include "api_json.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

// Asio has already taken OpenSSL's error off the thread's queue and into `ec`, so a reason that
// says no more than "the handshake failed" is completed with it ("peer did not return a
// certificate", "stream truncated"...).
std::string HandshakeRefusal(std::string reason, const beast::error_code& ec) {
  if (reason.empty()) return ec.message();
  if (reason == "the handshake failed") return reason + ": " + ec.message();
  return reason;
}

}  // namespace

class HttpsServer::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpsServer& server, tcp::socket socket, std::shared_ptr<ssl::context> ctx)
      : server_(server), ctx_(std::move(ctx)), stream_(std::move(socket), *ctx_) {
    beast::error_code ec;
    auto endpoint = beast::get_lowest_layer(stream_).socket().remote_endpoint(ec);
    remote_ = ec ? "unknown" : fmt::format("{}:{}", endpoint.address().to_string(), endpoint.port());
    ++server_.active_;
    server_.metrics_.ConnectionOpened();
  }
  ~Session() {
    server_.metrics_.ConnectionClosed();
    --server_.active_;
  }

  void Run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&Session::Handshake, shared_from_this()));
  }

  // Closes the connection if it is only waiting for another request (graceful stop).
  void CloseIfIdle() {
    net::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->idle_) beast::get_lowest_layer(self->stream_).cancel();
    });
  }

 private:
  void Handshake() {
    beast::get_lowest_layer(stream_).expires_after(server_.options_.handshake_timeout);
    stream_.async_handshake(ssl::stream_base::server,
                            beast::bind_front_handler(&Session::OnHandshake, shared_from_this()));
  }

  void OnHandshake(beast::error_code ec) {
    if (ec) {
      server_.metrics_.HandshakeFailed();
      std::string why = server_.tls_.handshake_failure
                            ? server_.tls_.handshake_failure(stream_.native_handle())
                            : std::string();
      server_.refused_(remote_, "TLS handshake refused: " + HandshakeRefusal(std::move(why), ec));
      return;  // dropping the session closes the socket
    }
    auto peer = server_.tls_.peer_id(stream_.native_handle());
    if (!peer.ok()) {
      server_.refused_(remote_, peer.status().message());
      return Shutdown();
    }
    peer_ = std::move(peer).value();
    Read();
  }

  void Read() {
    parser_.emplace();
    parser_->body_limit(server_.options_.body_limit);
    parser_->header_limit(16 * 1024);
    idle_ = true;
    beast::get_lowest_layer(stream_).expires_after(server_.options_.idle_timeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, size_t) {
    idle_ = false;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      return Write(ErrorResponse(
          http::status::bad_request,
          fmt::format("the request body is larger than {} bytes", server_.options_.body_limit)));
    }
    if (ec == http::error::end_of_stream) return Shutdown();
    if (ec) return;  // timeout, reset, or a graceful stop
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive() && !server_.stopping_;
    beast::get_lowest_layer(stream_).expires_never();  // the handler may wait for the store
    net::post(server_.workers_, [self = shared_from_this()] {
      Response response = self->server_.handler_(self->request_, self->peer_);
      net::post(self->stream_.get_executor(), [self, r = std::move(response)]() mutable {
        self->request_ = {};  // wipes the request body now, not at the next read
        self->Write(std::move(r));
      });
    });
  }

  void Write(Response response) {
    response_ = std::move(response);
    response_.keep_alive(keep_alive_);
    response_.prepare_payload();
    // One secure buffer (see SerializeToSecret): asio would copy Beast's header and body
    // buffers into an array on this I/O thread's stack first, and leave the plain text there.
    wire_ = SerializeToSecret(response_);
    response_ = {};
    beast::get_lowest_layer(stream_).expires_after(server_.options_.idle_timeout);
    net::async_write(stream_, net::buffer(wire_.Expose().data(), wire_.size()),
                     beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    wire_ = {};
    if (ec) return;
    if (!keep_alive_ || server_.stopping_) return Shutdown();
    Read();
  }

  void Shutdown() {
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(5));
    stream_.async_shutdown([self = shared_from_this()](beast::error_code) {});
  }

  HttpsServer& server_;
  std::shared_ptr<ssl::context> ctx_;  // outlives the stream that uses it
  ssl::stream<beast::tcp_stream> stream_;
  SecureFlatBuffer buffer_;
  std::optional<http::request_parser<SecretBody>> parser_;
  Request request_;
  Response response_;
  kernel::SecretBytes wire_;  // response_, serialized, while it is being written
  std::string remote_;
  std::string peer_;
  bool keep_alive_ = false;
  std::atomic<bool> idle_{false};
};

namespace {

// How long the listener pauses after accept() failed: long enough not to spin while the process
// is out of file descriptors, short enough that a freed descriptor is used again quickly.
constexpr std::chrono::milliseconds kAcceptBackoff{75};

// sessions_ is swept of closed sessions when it doubles past the live ones (and not below this),
// so a sweep costs O(1) per accepted connection, amortized.
constexpr size_t kMinPruneAt = 256;

}  // namespace

HttpsServer::HttpsServer(HttpsServerOptions options, TlsBinding tls, RequestHandler handler,
                         Metrics& metrics, RefusalObserver refused)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      handler_(std::move(handler)),
      metrics_(metrics),
      refused_(std::move(refused)),
      accept_strand_(net::make_strand(io_)),
      acceptor_(accept_strand_),
      accept_backoff_(accept_strand_),
      workers_(static_cast<size_t>(std::max(1, options_.worker_threads))),
      prune_at_(kMinPruneAt) {}

HttpsServer::~HttpsServer() { Stop(); }

Status HttpsServer::Start() {
  beast::error_code ec;
  auto address = net::ip::make_address(options_.address, ec);
  if (ec) return InvalidArgument(fmt::format("listen address \"{}\": {}", options_.address, ec.message()));
  tcp::endpoint endpoint(address, options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    return Unavailable(fmt::format("cannot listen on {}:{}: {}", options_.address, options_.port,
                                   ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
  net::dispatch(accept_strand_, [this] { Accept(); });
  work_.emplace(io_.get_executor());
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { io_.run(); });
  }
  return Status::Ok();
}

// Runs on accept_strand_ (the acceptor's executor, where its completion handlers run too).
void HttpsServer::Accept() {
  acceptor_.async_accept(net::make_strand(io_),
                         beast::bind_front_handler(&HttpsServer::OnAccept, this));
}

void HttpsServer::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || stopping_) return;
  if (ec == net::error::connection_aborted) return Accept();  // that client gave up: next one
  if (ec) return BackOff(ec);
  if (accept_failures_ > 0) {
    kernel::LogInfo("safe", "accepting connections again after {} failed attempts",
                    accept_failures_);
    accept_failures_ = 0;
  }
  if (active_ >= options_.max_connections) {
    Refuse(socket);
  } else {
    if (refused_in_row_ > 0) {
      kernel::LogInfo("safe", "below the connection limit again; {} connections were refused",
                      refused_in_row_);
      refused_in_row_ = 0;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), tls_.current_context());
    Track(session);
    session->Run();
  }
  Accept();
}

// The pending connection stays in the listen backlog: it is served once a descriptor is free,
// or refused at the connection limit, instead of the listener retrying in a busy loop.
void HttpsServer::BackOff(const beast::error_code& ec) {
  if (accept_failures_++ == 0) {
    kernel::LogWarning("safe", "cannot accept connections: {}; retrying every {} ms",
                       ec.message(), kAcceptBackoff.count());
  }
  accept_backoff_.expires_after(kAcceptBackoff);
  accept_backoff_.async_wait([this](beast::error_code wait_ec) {
    if (!wait_ec && !stopping_) Accept();
  });
}

// Closed before any TLS work: refusing costs the held connections as little as possible.
void HttpsServer::Refuse(tcp::socket& socket) {
  metrics_.ConnectionRefused();
  if (refused_in_row_++ == 0) {
    kernel::LogWarning("safe", "{} connections open, the limit: refusing new ones until some close",
                       options_.max_connections);
  }
  beast::error_code ignored;
  socket.close(ignored);
}

void HttpsServer::Track(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  sessions_.insert(session);
  if (sessions_.size() >= prune_at_) {
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
    prune_at_ = std::max(kMinPruneAt, 2 * sessions_.size());
  }
}

void HttpsServer::Stop() {
  if (stopping_.exchange(true)) return;
  net::post(accept_strand_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
  });
  // Give requests in flight time to finish; idle keep-alive connections are closed now.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (active_ > 0 && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(sessions_mutex_);
      for (auto it = sessions_.begin(); it != sessions_.end();) {
        if (auto s = it->lock()) {
          s->CloseIfIdle();
          ++it;
        } else {
          it = sessions_.erase(it);
        }
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  work_.reset();
  io_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  workers_.join();
}

}  // namespace vsecm::safe
