// End-to-end helpers for the client and Sentinel tests: a real `vsecm-safe dev` (DevSafe, from
// tests/safe), workload SVIDs from its development CA, and SafeClients that talk to it.
#ifndef VSECM_TESTS_CLIENT_CLIENT_TEST_SUPPORT_HPP_
#define VSECM_TESTS_CLIENT_CLIENT_TEST_SUPPORT_HPP_

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>

#include "dev_safe.hpp"
#include "vsecm/client/safe_client.hpp"

namespace vsecm::testing {

inline kernel::EnvLookup MapEnv(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

inline std::string WorkloadId(const std::string& name, const std::string& ns = "default") {
  return "spiffe://vsecm.com/workload/" + name + "/ns/" + ns + "/sa/" + name + "/n/pod-1";
}

inline std::string ApiUrl(const DevSafe& safe) {
  return safe.endpoints()["api"].get<std::string>() + "/";
}

// A loopback port nothing listens on: bound but not listening for the object's lifetime, so a
// connect is refused and no parallel test can take the port meanwhile.
class ClosedPort {
 public:
  ClosedPort() : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() { ::close(fd_); }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// A client with the SVID in `svid_dir`, no retries unless the environment asks for them.
inline StatusOr<std::unique_ptr<client::SafeClient>> ClientFor(
    const std::string& url, const std::string& svid_dir,
    std::map<std::string, std::string> env = {}) {
  kernel::EnvLookup lookup = MapEnv(std::move(env));
  client::ClientOptions options = client::ClientOptionsFromEnvironment(lookup);
  if (!lookup("VSECM_BACKOFF_MAX_RETRIES")) options.backoff = client::BackoffPolicy::NoRetries();
  options.safe_url = url;
  options.identity.svid_dir = svid_dir;
  options.identity.initial_wait = std::chrono::seconds(10);
  options.connect_timeout = std::chrono::seconds(10);
  options.request_timeout = std::chrono::seconds(20);
  return client::SafeClient::Create(std::move(options), lookup);
}

inline kernel::SecretBytes Secret(std::string_view text) { return kernel::SecretBytes::CopyOf(text); }

inline client::UpsertRequest Upsert(std::string workload, std::string_view value) {
  client::UpsertRequest r;
  r.workloads = {std::move(workload)};
  r.value = Secret(value);
  return r;
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_CLIENT_CLIENT_TEST_SUPPORT_HPP_
