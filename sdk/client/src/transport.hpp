// One HTTPS connection to the Safe with mutual TLS (Boost.Beast over OpenSSL), kept alive
// between requests and re-opened when the Safe closed it. Calls are synchronous with time
// limits; one thread at a time (SafeClient serializes them).
#ifndef VSECM_CLIENT_SRC_TRANSPORT_HPP_
#define VSECM_CLIENT_SRC_TRANSPORT_HPP_

#include <chrono>
#include <memory>
#include <string_view>

#include "api_codec.hpp"
#include "vsecm/client/client_options.hpp"
#include "vsecm/identity/identity_source.hpp"
#include "vsecm/identity/roles.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client::internal {

// A client TLS context bound to an identity source: TLS 1.3, our SVID, and the Safe's SPIFFE ID
// checked against VSECM_SPIFFEID_PREFIX_SAFE. Shared by every connection of a client.
class TlsContext;
StatusOr<std::shared_ptr<TlsContext>> NewTlsContext(
    std::shared_ptr<identity::IdentitySource> source, const identity::RoleMatcher& roles);

enum class Method { kGet, kPost, kDelete };

struct TransportConfig {
  SafeEndpoint endpoint;
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{30000};
  size_t max_response_bytes = size_t{16} << 20;
};

class Transport {
 public:
  Transport(TransportConfig config, std::shared_ptr<TlsContext> tls);
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // Sends one request to endpoint.base_path + path and reads the whole answer. Failures to talk
  // at all: UNAVAILABLE (unreachable, timed out, connection lost, interrupted) or
  // PERMISSION_DENIED (the peer is not the Safe or not trusted, or it refused our SVID).
  StatusOr<HttpReply> Exchange(Method method, std::string_view path,
                               const kernel::SecretBytes* body);

  // Thread-safe: makes the exchange in progress, and every later one, fail at once.
  void Interrupt();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsecm::client::internal

#endif  // VSECM_CLIENT_SRC_TRANSPORT_HPP_
