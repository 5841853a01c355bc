// vsecm-init-container: holds a pod's start until the Safe has a secret for its workload
// (VSecM's init container). Exits 0 then; with --timeout, exits 1 when it took too long.
#include <algorithm>
#include <charconv>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "delivery_support.hpp"
#include "init_loop.hpp"
#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace {

using namespace vsecm;

constexpr const char* kUsage =
    "usage: vsecm-init-container [--timeout MS] [--safe-url URL]\n"
    "                            [--svid-dir DIR | --spiffe-socket ADDR]\n"
    "\n"
    "Waits until the Safe has a secret for this workload, then exits 0 (after\n"
    "VSECM_INIT_CONTAINER_WAIT_BEFORE_EXIT ms, default 0). Polls every\n"
    "VSECM_INIT_CONTAINER_POLL_INTERVAL ms (default 5000) and logs why it is still waiting.\n"
    "\n"
    "  --timeout MS          give up after MS milliseconds with exit code 1 (default: wait forever)\n";

int Fail(const std::string& message, int code = 1) {
  std::cerr << "vsecm-init-container: " << message << "\n";
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
  options.safe_url.clear();
  options.backoff = client::BackoffPolicy::NoRetries();
  init_container::InitOptions init = init_container::InitOptions::FromEnvironment(env);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    std::string_view a = args[i];
    if (a == "-h" || a == "--help") {
      std::cout << kUsage << client::kSafeUrlFlagHelp << identity::kIdentityFlagsHelp;
      return 0;
    } else if (a == "--timeout" || a.rfind("--timeout=", 0) == 0) {
      std::string_view value;
      if (a == "--timeout") {
        if (i + 1 >= args.size()) return Fail("--timeout needs a number of milliseconds", 2);
        value = args[++i];
      } else {
        value = a.substr(10);
      }
      long long ms = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc() || ptr != value.data() + value.size() || ms <= 0) {
        return Fail("--timeout needs a positive number of milliseconds, not \"" +
                        std::string(value) + "\"", 2);
      }
      init.timeout = std::chrono::milliseconds(ms);
    } else if (client::TakeClientFlag(args, &i, &options, &error)) {
      if (!error.empty()) return Fail(error + " (see vsecm-init-container --help)", 2);
    } else {
      return Fail("unknown argument \"" + std::string(a) + "\" (see vsecm-init-container --help)", 2);
    }
  }

  delivery::StopSignal stop;
  // Stopped before the secret was there: 1, as WaitForSecret returns then.
  stop.InstallSignalHandling(std::chrono::seconds(2), /*exit_code=*/1);
  // A short request limit keeps the --timeout honest when the Safe accepts but does not answer.
  if (init.timeout && *init.timeout < options.request_timeout) {
    options.request_timeout = std::max(*init.timeout, std::chrono::milliseconds(1000));
    options.connect_timeout = std::min(options.connect_timeout, options.request_timeout);
  }
  // ...and so does the wait for a first SVID (30 s by default), which comes before any request.
  if (init.timeout) {
    options.identity.initial_wait = std::min(options.identity.initial_wait, *init.timeout);
  }
  auto safe = client::SafeClient::Create(std::move(options), env);
  if (!safe.ok()) return Fail(safe.status().message());
  kernel::LogInfo("init-container", "asking as {} at {}", (*safe)->spiffe_id(), (*safe)->url());
  client::SafeClient& client = **safe;
  return init_container::WaitForSecret(init, [&client] { return client.FetchOnce(); }, stop);
}
