// vsecm-sidecar: keeps a workload's secret in a file next to it (VSecM's sidecar). It polls the
// Safe with the workload's own SVID and replaces VSECM_SIDECAR_SECRETS_PATH whenever the secret
// changes; while the Safe is down the workload keeps reading the last secret.
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "delivery_support.hpp"
#include "poll_schedule.hpp"
#include "secret_file.hpp"
#include "sidecar_loop.hpp"
#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace {

using namespace vsecm;

constexpr const char* kUsage =
    "usage: vsecm-sidecar [--once] [--safe-url URL] [--svid-dir DIR | --spiffe-socket ADDR]\n"
    "\n"
    "Polls the Safe for this workload's secret and writes it to VSECM_SIDECAR_SECRETS_PATH\n"
    "(default /opt/vsecm/secrets.json; mode 0600, replaced atomically, only when it changed).\n"
    "The file is kept as it is while the Safe cannot be reached.\n"
    "\n"
    "  --once                exit 0 after the first poll that delivered a secret\n";

constexpr const char* kEnvHelp =
    "\nenvironment (milliseconds): VSECM_SIDECAR_POLL_INTERVAL (20000),\n"
    "  VSECM_SIDECAR_MAX_POLL_INTERVAL (300000), VSECM_SIDECAR_EXPONENTIAL_BACKOFF_MULTIPLIER (2),\n"
    "  VSECM_SIDECAR_SUCCESS_THRESHOLD (3), VSECM_SIDECAR_ERROR_THRESHOLD (3),\n"
    "  VSECM_SIDECAR_SECRETS_PATH, VSECM_SAFE_ENDPOINT_URL, SPIFFE_ENDPOINT_SOCKET, VSECM_LOG_LEVEL\n";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "vsecm-sidecar: " << message << "\n";
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (Status s = kernel::HardenProcess(); !s.ok()) return Fail(s.message());
  const kernel::EnvLookup env = kernel::ProcessEnvironment();
  if (auto level = env("VSECM_LOG_LEVEL")) {
    kernel::LogLevel chosen;
    if (kernel::ParseLogLevel(*level, &chosen)) kernel::SetLogLevel(chosen);
  }
  client::ClientOptions options = client::ClientOptionsFromEnvironment(env);
  options.safe_url.clear();  // a flag may set it; else SafeClient::Create reads the environment
  // The sidecar keeps its own schedule; a call that fails is just one failed poll.
  options.backoff = client::BackoffPolicy::NoRetries();
  sidecar::SidecarOptions sidecar_options;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kUsage << client::kSafeUrlFlagHelp << identity::kIdentityFlagsHelp << kEnvHelp;
      return 0;
    } else if (args[i] == "--once") {
      sidecar_options.once = true;
    } else if (client::TakeClientFlag(args, &i, &options, &error)) {
      if (!error.empty()) return Fail(error + " (see vsecm-sidecar --help)", 2);
    } else {
      return Fail("unknown argument \"" + std::string(args[i]) + "\" (see vsecm-sidecar --help)", 2);
    }
  }
  sidecar_options.poll = sidecar::PollSettings::FromEnvironment(env);
  const std::string path = env("VSECM_SIDECAR_SECRETS_PATH").value_or("/opt/vsecm/secrets.json");

  // Signals are handled by a thread of their own: block them before any other thread starts.
  delivery::StopSignal stop;
  stop.InstallSignalHandling(std::chrono::seconds(2), /*exit_code=*/0);

  auto safe = client::SafeClient::Create(std::move(options), env);
  if (!safe.ok()) return Fail(safe.status().message());
  kernel::LogInfo("sidecar", "fetching as {} from {}", (*safe)->spiffe_id(), (*safe)->url());
  sidecar::SecretFile file(path);
  file.AdoptExisting();
  client::SafeClient& client = **safe;
  return sidecar::RunSidecar(sidecar_options, [&client] { return client.FetchOnce(); }, file, stop);
}
