// The SPIFFE Workload API client: a gRPC stream from the SPIRE agent's unix socket
// (FetchX509SVID, with the "workload.spiffe.io: true" metadata the spec requires). Every message
// on the stream rotates the SVID; when the stream ends or the agent is away, the client
// reconnects with exponential backoff.
#ifndef VSECM_IDENTITY_WORKLOAD_API_HPP_
#define VSECM_IDENTITY_WORKLOAD_API_HPP_

#include <chrono>
#include <memory>
#include <string>

#include "vsecm/identity/identity_source.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

inline constexpr const char* kSpiffeEndpointSocketEnv = "SPIFFE_ENDPOINT_SOCKET";
inline constexpr const char* kDefaultSpiffeEndpointSocket =
    "unix:///spire-agent-socket/spire-agent.sock";

// Turns a SPIFFE endpoint address into a gRPC target: "unix:///path" (absolute path required)
// stays as is; "tcp://1.2.3.4:8081" becomes "ipv4:1.2.3.4:8081" ("tcp://[::1]:8081" →
// "ipv6:[::1]:8081"). The spec allows IP addresses only, no host names, no query or fragment.
StatusOr<std::string> WorkloadApiTarget(const std::string& endpoint_address);

struct WorkloadApiOptions {
  std::string address = kDefaultSpiffeEndpointSocket;  // SPIFFE endpoint address form
  // Pick the SVID with this hint; empty: the first (the spec's default).
  std::string hint;
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{30000};
};

class WorkloadApiSource final : public IdentitySource {
 public:
  // Validates the address and starts streaming on a background thread; does not wait for the
  // first SVID (use WaitForUpdate(0, timeout)).
  static StatusOr<std::unique_ptr<WorkloadApiSource>> Open(WorkloadApiOptions options);
  ~WorkloadApiSource() override;  // cancels the stream and joins the thread

  std::string Describe() const override;

 private:
  struct State;
  explicit WorkloadApiSource(std::unique_ptr<State> state);
  void Run();
  std::unique_ptr<State> state_;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_WORKLOAD_API_HPP_
