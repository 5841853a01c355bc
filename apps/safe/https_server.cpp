#include "https_server.hpp"

#include <mutex>
#include <optional>
#include <set>

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <fmt/format.h>

#include "api_json.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

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
                            : ec.message();
      server_.refused_(remote_, "TLS handshake refused: " + why);
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
    beast::get_lowest_layer(stream_).expires_after(server_.options_.idle_timeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, size_t) {
    response_ = {};
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
  std::string remote_;
  std::string peer_;
  bool keep_alive_ = false;
  std::atomic<bool> idle_{false};
};

HttpsServer::HttpsServer(HttpsServerOptions options, TlsBinding tls, RequestHandler handler,
                         Metrics& metrics, RefusalObserver refused)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      handler_(std::move(handler)),
      metrics_(metrics),
      refused_(std::move(refused)),
      acceptor_(io_),
      workers_(static_cast<size_t>(std::max(1, options_.worker_threads))) {}

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
  Accept();
  for (int i = 0; i < std::max(1, options_.io_threads); ++i) {
    io_threads_.emplace_back([this] { io_.run(); });
  }
  return Status::Ok();
}

void HttpsServer::Accept() {
  acceptor_.async_accept(net::make_strand(io_), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == net::error::operation_aborted || stopping_) return;
    } else if (stopping_) {
      return;
    } else if (active_ >= options_.max_connections) {
      metrics_.ConnectionRefused();
      socket.close(ec);
    } else {
      auto session = std::make_shared<Session>(*this, std::move(socket), tls_.current_context());
      {
        std::lock_guard lock(sessions_mutex_);
        sessions_.insert(session);
      }
      session->Run();
    }
    Accept();
  });
}

void HttpsServer::Stop() {
  if (stopping_.exchange(true)) return;
  net::post(io_, [this] {
    beast::error_code ignored;
    acceptor_.close(ignored);
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
  io_.stop();
  for (auto& t : io_threads_) t.join();
  io_threads_.clear();
  workers_.join();
}

}  // namespace vsecm::safe
