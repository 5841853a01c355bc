#include "https_server.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <mutex>
#include <optional>
#include <set>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <fmt/format.h>

#include "https_session.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {

// How long the listener pauses after accept() failed: long enough not to spin while the process
// is out of file descriptors, short enough that a freed descriptor is used again quickly.
constexpr std::chrono::milliseconds kAcceptBackoff{75};

// sessions_ is swept of closed sessions when it doubles past the live ones (and not below this),
// so a sweep costs O(1) per accepted connection, amortized.
constexpr size_t kMinPruneAt = 256;

// During a flood of refused handshakes: one log line at once, then at most one per interval.
constexpr std::chrono::seconds kHandshakeLogInterval{10};

size_t Threads(int n) { return static_cast<size_t>(std::max(1, n)); }

}  // namespace

HttpsServer::HttpsServer(HttpsServerOptions options, TlsBinding tls, RequestAdmitter admit,
                         RequestHandler handler, Metrics& metrics, RefusalObserver refused)
    : options_(std::move(options)),
      tls_(std::move(tls)),
      admit_(std::move(admit)),
      handler_(std::move(handler)),
      metrics_(metrics),
      refused_(std::move(refused)),
      handshakes_(std::max<size_t>(1, options_.max_handshakes),
                  std::max<size_t>(1, options_.max_handshakes_per_source)),
      bodies_(std::max(options_.body_memory, options_.body_limit)),
      read_workers_(Threads(options_.read_threads)),
      write_workers_(Threads(options_.write_threads)),
      accept_strand_(net::make_strand(io_)),
      acceptor_(accept_strand_),
      accept_backoff_(accept_strand_),
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
  beast::error_code endpoint_ec;
  const tcp::endpoint remote = socket.remote_endpoint(endpoint_ec);
  HandshakeBudget::Verdict verdict = HandshakeBudget::Verdict::kAdmitted;
  if (endpoint_ec) {
    socket.close(endpoint_ec);  // that client is gone already
  } else if (established_ >= options_.max_connections) {
    Refuse(socket);
  } else if ((verdict = handshakes_.TryAdmit(remote.address())) !=
             HandshakeBudget::Verdict::kAdmitted) {
    RefuseHandshake(socket, verdict, remote.address());
  } else {
    metrics_.HandshakePending(1);
    if (refused_in_row_ > 0) {
      kernel::LogInfo("safe", "below the connection limit again; {} connections were refused",
                      refused_in_row_);
      refused_in_row_ = 0;
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), remote, tls_.current_context());
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

// Closed before any TLS work, like Refuse(), but logged at most once per interval: a flood
// refused here is many connections a second.
void HttpsServer::RefuseHandshake(tcp::socket& socket, HandshakeBudget::Verdict verdict,
                                  const net::ip::address& source) {
  const bool per_source = verdict == HandshakeBudget::Verdict::kSourceFull;
  metrics_.HandshakeRefused(per_source ? Metrics::HandshakeRefusal::kPerSource
                                       : Metrics::HandshakeRefusal::kBudget);
  ++handshakes_refused_[per_source ? 1 : 0];
  beast::error_code ignored;
  socket.close(ignored);
  const auto now = std::chrono::steady_clock::now();
  if (now < handshake_log_at_) return;
  handshake_log_at_ = now + kHandshakeLogInterval;
  kernel::LogWarning(
      "safe",
      "refused {} connections at accept since the last report: {} over the budget of {} pending "
      "TLS handshakes (VSECM_SAFE_MAX_PENDING_HANDSHAKES), {} over the cap of {} per source "
      "address (VSECM_SAFE_MAX_HANDSHAKES_PER_SOURCE; the last from {}); reported at most every "
      "{} s",
      handshakes_refused_[0] + handshakes_refused_[1], handshakes_refused_[0],
      options_.max_handshakes, handshakes_refused_[1], options_.max_handshakes_per_source,
      source.to_string(), kHandshakeLogInterval.count());
  handshakes_refused_[0] = handshakes_refused_[1] = 0;
}

void HttpsServer::HandshakeDone(const net::ip::address& source) {
  metrics_.HandshakePending(-1);
  if (!handshakes_.Release(source) || stopping_) return;
#if defined(__GLIBC__)
  // The last of a burst of pending handshakes is gone. glibc keeps what they freed in its
  // arenas (one per I/O thread) rather than returning it, so without this a flood would leave
  // the process that much larger for good. Trimming walks the heap: on a worker, not here.
  net::post(read_workers_, [] { malloc_trim(0); });
#endif
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
  read_workers_.join();
  write_workers_.join();
}

}  // namespace vsecm::safe
