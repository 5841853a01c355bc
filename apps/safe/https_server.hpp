// The Safe's API listener: HTTPS with mutual TLS, one session per connection, keep-alive.
//
// Each connection completes a TLS handshake with the context current at accept time (so a
// rotated SVID serves new connections without a restart), then the peer's SPIFFE ID is checked
// before any request is read. Handlers run on a worker pool, never on an I/O thread, so an
// upsert waiting for the store's fsync does not stall other connections. Beyond the connection
// limit new connections are closed at once and counted. Stop() stops accepting, lets every
// request in flight finish and be answered, and then closes.
#ifndef VSECM_APPS_SAFE_HTTPS_SERVER_HPP_
#define VSECM_APPS_SAFE_HTTPS_SERVER_HPP_

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>

#include "metrics.hpp"
#include "secret_body.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct TlsBinding {
  // The server context to use for the next connection (it carries the current SVID).
  std::function<std::shared_ptr<boost::asio::ssl::context>()> current_context;
  // After a completed handshake: the peer's verified SPIFFE ID, or why it is refused.
  std::function<StatusOr<std::string>(SSL*)> peer_id;
  // After a failed handshake: why, for the audit journal.
  std::function<std::string(SSL*)> handshake_failure;
};

// Called for every connection refused after the TCP accept (handshake failure, bad SVID).
using RefusalObserver = std::function<void(const std::string& remote, const std::string& why)>;

// Handles one request from a verified peer. Runs on a worker thread.
using RequestHandler = std::function<Response(Request& request, const std::string& peer_id)>;

struct HttpsServerOptions {
  std::string address = "0.0.0.0";
  uint16_t port = 8443;  // 0: the system picks one (see HttpsServer::port)
  size_t max_connections = 4096;
  size_t body_limit = 1 << 20;
  std::chrono::seconds handshake_timeout{10};
  std::chrono::seconds idle_timeout{120};
  int io_threads = 2;
  int worker_threads = 8;
};

class HttpsServer {
 public:
  HttpsServer(HttpsServerOptions options, TlsBinding tls, RequestHandler handler,
              Metrics& metrics, RefusalObserver refused);
  ~HttpsServer();
  HttpsServer(const HttpsServer&) = delete;
  HttpsServer& operator=(const HttpsServer&) = delete;

  Status Start();                     // binds and starts serving
  uint16_t port() const { return port_; }
  void Stop();                        // graceful; idempotent

 private:
  class Session;
  void Accept();

  HttpsServerOptions options_;
  TlsBinding tls_;
  RequestHandler handler_;
  Metrics& metrics_;
  RefusalObserver refused_;

  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::thread_pool workers_;
  std::vector<std::thread> io_threads_;
  std::mutex sessions_mutex_;  // guards sessions_: lets a graceful stop close idle ones
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  std::atomic<size_t> active_{0};
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_HTTPS_SERVER_HPP_
