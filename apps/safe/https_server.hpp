// The Safe's API listener: HTTPS with mutual TLS, one session per connection, keep-alive.
//
// Each connection completes a TLS handshake with the context current at accept time (so a
// rotated SVID serves new connections without a restart), then the peer's SPIFFE ID is checked
// before any request is read. Every request's headers are read first and decided on by the
// admitter (route, role, readiness), so a refused request never makes the Safe read its body;
// admitted bodies are read into locked memory within a shared budget and a deadline. Handlers
// run on worker pools, never on an I/O thread: reads and writes on pools of their own, so a
// workload's read is never queued behind upserts waiting for the store or Kubernetes.
//
// Who can take what (see HttpsServerOptions):
//  - A connection in its TLS handshake holds a slot of the handshake budget (and of its source
//    address's share), not of the connection limit; past either, a new connection is closed at
//    accept and counted (Metrics::HandshakeRefused). Until its first byte arrives it holds no
//    more than a socket and a timer: the TLS state (about 100 KB with asio's and OpenSSL's
//    buffers) is made only then. After a burst of pending handshakes the heap is trimmed, so
//    a flood does not leave the process hundreds of megabytes larger.
//  - An authenticated connection counts against max_connections. Beyond it a new connection is
//    accepted and closed at once, before any TLS work, and counted (Metrics::ConnectionRefused):
//    the client sees the connection closed during its handshake and can retry; leaving it in
//    the listen backlog would make it hang until its own time-out and spare the held
//    connections nothing.
//  - Before each request on a kept-alive connection the peer is checked again (its certificate
//    may have expired, or its CA left the trust bundle): if it fails the request is answered
//    400 naming the reason, audited, and the connection closed. A connection older than
//    max_connection_age is closed after its next answer (Connection: close).
//  - Malformed requests (RFC 9112: a bad request line or field, Transfer-Encoding other than
//    chunked, Transfer-Encoding with Content-Length) are answered 400 (431 for a header past
//    16 KiB) naming the problem, and the connection closed: what follows cannot be trusted to
//    be the next request.
// When accept() itself fails (EMFILE, ENFILE, ENOBUFS...) the listener backs off briefly
// instead of retrying in a busy loop; these conditions are logged once per episode, not once
// per connection. Stop() stops accepting, lets every request in flight finish and be answered,
// and then closes.
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

#include "connection_budget.hpp"
#include "metrics.hpp"
#include "http_types.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct TlsBinding {
  // The server context to use for the next connection (it carries the current SVID).
  std::function<std::shared_ptr<boost::asio::ssl::context>()> current_context;
  // After a completed handshake: the peer's verified SPIFFE ID, or why it is refused.
  std::function<StatusOr<std::string>(SSL*)> peer_id;
  // After a failed handshake: why, for the audit journal.
  std::function<std::string(SSL*)> handshake_failure;
  // Before each later request on the connection: ok while the peer may still be served, else
  // why not (its certificate expired, or no longer verifies against the current bundle).
  // Empty: not checked.
  std::function<Status(SSL*)> recheck_peer;
};

// Called for every connection refused after the TCP accept (handshake failure, bad SVID), and
// for a kept-alive connection whose peer no longer passes RecheckPeer.
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
  // Authenticated connections: counted once their handshake has completed.
  size_t max_connections = 4096;
  // Connections in their TLS handshake, in all and from one source address (IPv6: one /64),
  // and how long one may take from accept to a completed handshake.
  size_t max_handshakes = 256;
  size_t max_handshakes_per_source = 32;
  std::chrono::seconds handshake_timeout{5};
  size_t body_limit = 1 << 20;
  // Locked memory the bodies being read may take together (never less than body_limit), and
  // how long a body may take to arrive once its header has.
  size_t body_memory = 16 << 20;
  std::chrono::seconds body_timeout{10};
  std::chrono::seconds idle_timeout{120};  // for the next request's header, and for writes
  std::chrono::seconds max_connection_age{600};
  int io_threads = 2;
  int read_threads = 8;   // workers for reads (and everything that is not a write)
  int write_threads = 8;  // workers for writes (Admission::write)
};

class HttpsServer {
 public:
  HttpsServer(HttpsServerOptions options, TlsBinding tls, RequestAdmitter admit,
              RequestHandler handler, Metrics& metrics, RefusalObserver refused);
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
  void RefuseHandshake(boost::asio::ip::tcp::socket& socket, HandshakeBudget::Verdict verdict,
                       const boost::asio::ip::address& source);
  void Track(const std::shared_ptr<Session>& session);
  // A session's handshake slot is back; after a burst, gives freed heap back to the system.
  void HandshakeDone(const boost::asio::ip::address& source);

  HttpsServerOptions options_;
  TlsBinding tls_;
  RequestAdmitter admit_;
  RequestHandler handler_;
  Metrics& metrics_;
  RefusalObserver refused_;
  // Before io_: sessions still queued in io_ when it goes give their slots back to these.
  HandshakeBudget handshakes_;
  BodyBudget bodies_;
  std::atomic<size_t> active_{0};       // sessions, whatever their state
  std::atomic<size_t> established_{0};  // sessions whose handshake completed
  std::atomic<bool> stopping_{false};
  boost::asio::thread_pool read_workers_;
  boost::asio::thread_pool write_workers_;

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
  // Handshakes refused since the last log line about them (over the budget, over a source's
  // cap), and when the next line may be written.
  uint64_t handshakes_refused_[2] = {0, 0};
  std::chrono::steady_clock::time_point handshake_log_at_{};
  std::vector<std::thread> io_threads_;
  std::mutex sessions_mutex_;  // guards sessions_ and prune_at_: lets a graceful stop close idle ones
  std::set<std::weak_ptr<Session>, std::owner_less<std::weak_ptr<Session>>> sessions_;
  size_t prune_at_ = 0;        // sessions_ is swept of closed sessions when it reaches this size
  uint16_t port_ = 0;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_HTTPS_SERVER_HPP_
