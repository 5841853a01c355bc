// The client side of one mutual-TLS connection: a TLS 1.3-only context that presents the
// client's certificate and verifies the server against the trust bundle (and its IP SAN), and
// coroutines to connect and to exchange one HTTP/1.1 request. Every operation has a deadline.
#ifndef VSECM_BENCH_SAFE_LOAD_TLS_CLIENT_HPP_
#define VSECM_BENCH_SAFE_LOAD_TLS_CLIENT_HPP_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <utility>  // Boost 1.74's awaitable.hpp uses std::exchange without it

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "load_options.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::bench {

using Clock = std::chrono::steady_clock;
using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Shared, read-only during the run except for the request counter.
struct RunContext {
  boost::asio::ssl::context* tls = nullptr;
  boost::asio::ip::tcp::endpoint endpoint;
  std::string verify_ip;     // the server certificate must carry this IP SAN
  std::string request;       // keep-alive GET, serialized once
  std::string last_request;  // the same GET with "Connection: close"
  Clock::time_point measure_start, measure_end;
  std::chrono::milliseconds io_timeout{5000};
  int expect_status = 200;
  uint64_t max_requests = 0;
  std::atomic<uint64_t> issued{0};

  // True while requests should still be issued: before the end, and under the request cap.
  bool Running() const {
    return Clock::now() < measure_end && issued.load(std::memory_order_relaxed) < max_requests;
  }
};

// TLS 1.3 only, client certificate from the options, no session resumption (every handshake
// in new-connection mode is a full one).
StatusOr<std::unique_ptr<boost::asio::ssl::context>> MakeClientContext(const LoadOptions& options);

// TCP connect + TLS handshake. On failure `ec` says why.
boost::asio::awaitable<void> ConnectTls(TlsStream& stream, const RunContext& run,
                                        boost::system::error_code& ec);

struct Answer {
  int status = 0;
  bool keep_alive = false;
  size_t body_bytes = 0;
};

// Writes `request` and reads one response. On failure `ec` says why.
boost::asio::awaitable<Answer> Exchange(TlsStream& stream, boost::beast::flat_buffer& buffer,
                                        const std::string& request, const RunContext& run,
                                        boost::system::error_code& ec);

// Closes the TCP connection without waiting for the peer (both servers close first anyway
// when asked with "Connection: close").
void CloseQuietly(TlsStream& stream);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_SAFE_LOAD_TLS_CLIENT_HPP_
