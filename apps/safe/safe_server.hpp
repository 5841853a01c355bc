// Runs the Safe: the kernel from configuration, the mutual-TLS API, the probes and metrics,
// the root key bootstrap in the background, and a graceful stop on SIGTERM or SIGINT.
#ifndef VSECM_APPS_SAFE_SAFE_SERVER_HPP_
#define VSECM_APPS_SAFE_SAFE_SERVER_HPP_

#include <chrono>
#include <functional>
#include <string>

#include "k8s_secret_sync.hpp"
#include "root_key_source.hpp"
#include "server_identity.hpp"
#include "vsecm/kernel/config.hpp"

namespace vsecm::safe {

struct ListeningPorts {
  uint16_t api = 0, liveness = 0, readiness = 0, metrics = 0;
};

struct SafeServerOptions {
  std::string tls_address = ":8443";        // VSECM_SAFE_TLS_PORT
  std::string liveness_address = ":8081";   // VSECM_PROBE_LIVENESS_PORT
  std::string readiness_address = ":8082";  // VSECM_PROBE_READINESS_PORT
  std::string metrics_address = ":8083";    // VSECM_SAFE_METRICS_PORT
  std::string default_host = "0.0.0.0";     // for addresses given as ":port"
  RootKeySourceOptions root_key;
  KubernetesOptions kubernetes;             // root key Secret and `k8s:` secrets
  IdentityFlags identity;
  size_t max_connections = 4096;            // VSECM_SAFE_MAX_CONNECTIONS (authenticated)
  size_t max_handshakes = 256;              // VSECM_SAFE_MAX_PENDING_HANDSHAKES
  size_t max_handshakes_per_source = 32;    // VSECM_SAFE_MAX_HANDSHAKES_PER_SOURCE
  std::chrono::seconds handshake_timeout{5};     // VSECM_SAFE_HANDSHAKE_TIMEOUT (seconds)
  size_t body_limit = 1 << 20;              // VSECM_SAFE_MAX_REQUEST_BYTES
  size_t body_memory = 16 << 20;            // VSECM_SAFE_BODY_MEMORY_LIMIT (bytes)
  std::chrono::seconds body_timeout{10};         // VSECM_SAFE_BODY_TIMEOUT (seconds)
  std::chrono::seconds max_connection_age{600};  // VSECM_SAFE_MAX_CONNECTION_AGE (seconds)
  // Called once every listener is up, with the ports they got (for `dev` and tests, which
  // may ask for port 0).
  std::function<void(const ListeningPorts&)> on_listening;
};

// VSecM's environment variables applied over the defaults above.
SafeServerOptions SafeServerOptionsFromEnv(const kernel::EnvLookup& env);

// Runs until SIGTERM or SIGINT; returns the process exit status.
int RunSafeServer(const kernel::KernelConfig& config, const SafeServerOptions& options,
                  const std::string& default_plugin_dir);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SAFE_SERVER_HPP_
