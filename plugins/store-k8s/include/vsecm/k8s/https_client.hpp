// One HTTPS exchange at a time per connection, with a small pool of kept-alive connections.
//
// TLS 1.2 or newer; the server certificate is always verified against the configured CA (or
// the system's), for the host name (SNI sent) or IP address it was reached at, or for
// `tls_server_name` when set. Every buffer that carries a request or response (headers with
// the bearer token included) is a wiping buffer. Thread-safe: concurrent Send() calls each use
// their own connection.
#ifndef VSECM_K8S_HTTPS_CLIENT_HPP_
#define VSECM_K8S_HTTPS_CLIENT_HPP_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/wiping.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

struct HttpRequest {
  std::string_view method;        // "GET", "POST", "PUT", "DELETE"
  std::string target;             // path and query, already escaped
  std::string_view accept = "application/json";
  std::string_view content_type;  // set when body is
  std::span<const char> body;
};

struct HttpResponse {
  int status = 0;
  std::string reason;       // the status line's reason phrase
  std::string retry_after;  // the Retry-After header, when present
  WipingString body;
};

// Why an exchange failed before a response arrived.
enum class TransportFailure {
  kNone,
  kRetryable,  // connect, reset, timeout: the request may be sent again
  kPermanent,  // certificate refused, handshake refused, response too large: a retry will not help
};

struct TransportError {
  TransportFailure kind = TransportFailure::kNone;
  Status status;
};

class HttpsClient {
 public:
  struct Options {
    std::chrono::milliseconds timeout{10000};  // the whole exchange, connect to last byte
    size_t max_idle_connections = 4;
    size_t max_response_bytes = size_t{64} << 20;
  };

  // Builds the TLS context (CA, client certificate) once; errors name the bad input.
  static StatusOr<std::unique_ptr<HttpsClient>> Create(const ClusterConfig& config,
                                                       Options options);
  ~HttpsClient();
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;

  // Sends one request with `bearer` (empty: no Authorization header). On a transport failure
  // returns an error and sets *failure (when given) to say whether a retry can help. A kept-
  // alive connection that the server had closed is replaced transparently, once, within the
  // same deadline. The deadline is `timeout` (when given and shorter than Options::timeout)
  // from now, and covers connect, TLS handshake, writing the request and reading the whole
  // response, body included: a server that answers headers and then stalls runs into it too.
  // Name resolution (a host name, not an IP literal) is bounded by the system resolver's own
  // timeouts instead.
  StatusOr<HttpResponse> Send(const HttpRequest& request, std::string_view bearer,
                              TransportError* failure = nullptr,
                              std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  const std::string& server() const noexcept { return server_; }

 private:
  struct Impl;
  struct Connection;
  HttpsClient() = default;

  std::unique_ptr<Connection> TakeIdle();
  void ReturnIdle(std::unique_ptr<Connection> connection);

  std::unique_ptr<Impl> impl_;
  std::string server_;
  std::mutex idle_mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_HTTPS_CLIENT_HPP_
