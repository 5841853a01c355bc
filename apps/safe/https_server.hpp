// The Safe's API listener: HTTPS with mutual TLS, one session per connection, keep-alive.
//
// Each connection completes a TLS handshake with the context current at accept time (so a
// rotated SVID serves new connections without a restart), then the peer's SPIFFE ID is checked
// before any request is read. Handlers run on a worker pool, never on an I/O thread, so an
// upsert waiting for the store's fsync does not stall other connections.
//
// Overload: beyond the connection limit a new connection is accepted and closed at once, before
// any TLS work, and counted (Metrics::ConnectionRefused). The client sees the connection closed
// during its handshake and can retry; leaving it in the listen backlog instead would make it
// hang until its own time-out and spare the held connections nothing. When accept()
// itself fails (EMFILE, ENFILE, ENOBUFS...) the listener backs off briefly instead of retrying in
// a busy loop; both conditions are logged once per episode, not once per connection.
// Stop() stops accepting, lets every request in flight finish and be answered, and then closes.
#ifndef VSECM_APPS_SAFE_HTTPS_SERVER_HPP_
#define VSECM_APPS_SAFE_HTTPS_SERVER_HPP_

#include <openssl/ssl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
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

using RequestHeader = boost::beast::http::request_header<>;

// What a request's headers decide, before any of its body is read (so a refused or bodiless
// request never makes the Safe buffer a body).
struct Admission {
  // Set: the request is answered with this, and its body is never read; when one was announced
  // the connection is closed after the answer.
  std::optional<Response> answer;
  // The most body bytes the request may carry; 0: none (a body is refused with 400).
  size_t body_limit = 0;
  // Writes wait for the store's fsync and the Kubernetes API: they run on workers of their own,
  // so a workload's read is never queued behind them.
  bool write = false;
};

// Decides on a request from its headers and the verified peer. Runs on an I/O thread: no I/O.
using RequestAdmitter = std::function<Admission(const RequestHeader& header, const std::string& peer_id)>;

// Handles one admitted request from a verified peer. Runs on a worker thread.
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
  void OnAccept(boost::system::error_code ec, boost::asio::ip::tcp::socket socket);
  void BackOff(const boost::system::error_code& ec);
  void Refuse(boost::asio::ip::tcp::socket& socket);
  void Track(const std::shared_ptr<Session>& session);

  HttpsServerOptions options_;
  TlsBinding tls_;
  RequestHandler handler_;
  Metrics& metrics_;
  RefusalObserver refused_;

  boost::asio::io_context io_;
  // Keeps the I/O threads running until Stop() is done waiting: without it they return as soon as
  // io_ has nothing pending (the listener closed, every request on a worker), and a response or
  // a close posted after that would never run.
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  // The acceptor, its back-off timer and the counters below are used only on this strand.
  boost::asio::strand<boost::asio::io_context::executor_type> accept_strand_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer accept_backoff_;
  uint64_t accept_failures_ = 0;  // in the current episode of accept() errors
  uint64_t refused_in_row_ = 0;   // in the current episode at the connection limit
  boost::asio::thread_pool workers_;
  std::vector<std::thread> io_threads_;
  std::mutex sessions_mutex_;  // guards sessions_ and prune_at_: lets a graceful stop close idle ones
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  size_t prune_at_ = 0;        // sessions_ is swept of closed sessions when it reaches this size
  std::atomic<size_t> active_{0};
  std::atomic<bool> stopping_{false};
  uint16_t port_ = 0;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_HTTPS_SERVER_HPP_
