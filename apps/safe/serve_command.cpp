#include "serve_command.hpp"

#include <iostream>
#include <string>

#include "plugin_directory.hpp"
#include "safe_server.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {
namespace {

constexpr const char* kUsage = R"(usage: vsecm-safe [serve] [--config FILE] [--svid-dir DIR | --spiffe-socket ADDR]

Runs the Safe: the mutual-TLS API on VSECM_SAFE_TLS_PORT (default :8443), liveness on
VSECM_PROBE_LIVENESS_PORT (:8081), readiness on VSECM_PROBE_READINESS_PORT (:8082) and
Prometheus metrics on VSECM_SAFE_METRICS_PORT (:8083, path /metrics).

  --config FILE         the configuration (default: $VSECM_CONFIG_FILE, else built-in defaults)
  --svid-dir DIR        the Safe's SVID as files (svid.pem, svid_key.pem, svid_bundle.pem),
                        reloaded when they change
  --spiffe-socket ADDR  the SPIFFE Workload API (default: $SPIFFE_ENDPOINT_SOCKET)

The root key comes from VSECM_ROOT_KEY_PATH (default /key/key.txt; generated there when absent)
or, with VSECM_ROOT_KEY_INPUT_MODE_MANUAL=true, from Sentinel. SIGTERM stops it gracefully.

It holds up to VSECM_SAFE_MAX_CONNECTIONS API connections (default 4096) and closes further ones
at once. At start it raises its open file limit to the hard limit (ulimit -Hn); if that still
cannot hold them all, it serves fewer and says so in a warning.
)";

}  // namespace

int RunServeCommand(int argc, char** argv) {
  std::string config_path;
  kernel::EnvLookup env = kernel::ProcessEnvironment();
  SafeServerOptions options = SafeServerOptionsFromEnv(env);
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--config" && has_value) {
      config_path = argv[++i];
    } else if (arg == "--svid-dir" && has_value) {
      options.identity.svid_dir = argv[++i];
    } else if (arg == "--spiffe-socket" && has_value) {
      options.identity.spiffe_socket = argv[++i];
    } else {
      std::cerr << "vsecm-safe: unknown argument \"" << arg << "\"\n" << kUsage;
      return 2;
    }
  }
  auto config = kernel::LoadKernelConfig(config_path, env);
  if (!config.ok()) {
    std::cerr << "vsecm-safe: " << config.status().message() << "\n";
    return 2;
  }
  return RunSafeServer(*config, options, DefaultPluginDirectory());
}

}  // namespace vsecm::safe
