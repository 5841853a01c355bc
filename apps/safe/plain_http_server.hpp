// A small plain-HTTP listener for probes and metrics: GET only, tiny requests, no secrets.
// Several listeners share one io_context and its thread.
//
// Anyone who can reach the port can connect, so each listener holds at most
// kMaxPlainConnections connections (beyond, a new one is closed at once), gives each request
// a few seconds, and reads no bodies: they share the process's file descriptors with the API
// and the store, and a prober needs one connection at a time.
#ifndef VSECM_APPS_SAFE_PLAIN_HTTP_SERVER_HPP_
#define VSECM_APPS_SAFE_PLAIN_HTTP_SERVER_HPP_

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct PlainResponse {
  unsigned status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

// Answers a GET of `path`; called on the io_context's thread.
using PlainHandler = std::function<PlainResponse(std::string_view path)>;

// Per listener (the Safe keeps file descriptors in reserve for them: see safe_server.cpp).
inline constexpr size_t kMaxPlainConnections = 64;
// For a whole request, and for an idle kept-alive connection.
inline constexpr std::chrono::seconds kPlainRequestTimeout{5};

class PlainHttpServer {
 public:
  PlainHttpServer(boost::asio::io_context& io, PlainHandler handler)
      : io_(io), acceptor_(io), retry_(io), handler_(std::move(handler)),
        open_(std::make_shared<std::atomic<size_t>>(0)) {}

  // `address` in VSecM's ":8081" or "127.0.0.1:8081" form.
  Status Listen(const std::string& address);
  uint16_t port() const { return port_; }
  void Close();

 private:
  void Accept();

  boost::asio::io_context& io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_;  // after a failed accept (out of descriptors): no busy loop
  PlainHandler handler_;
  // Open connections; shared with them, since they may end after the listener is gone.
  std::shared_ptr<std::atomic<size_t>> open_;
  uint64_t refused_in_row_ = 0;  // in the current episode at the limit
  uint16_t port_ = 0;
};

// Splits VSecM's ":8081" / "host:port" listen addresses; an empty host means all interfaces.
StatusOr<std::pair<std::string, uint16_t>> ParseListenAddress(const std::string& address,
                                                              const std::string& default_host);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_PLAIN_HTTP_SERVER_HPP_
