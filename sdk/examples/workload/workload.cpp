// An example workload: fetches its own secret from the Safe and prints it, or (--watch) prints
// it again each time it changes. The workload's name is whatever its SPIFFE ID says
// (spiffe://vsecm.com/workload/NAME/ns/...), so it can only ever read the secret Sentinel
// registered for NAME. The secret goes to stdout and nowhere else: not to disk, not to a log.
//
//   vsecm-safe dev --dir /tmp/vsecm &
//   vsecm-keygen svid --ca-dir /tmp/vsecm/ca --out /tmp/vsecm/svid/example
//       --spiffe-id spiffe://vsecm.com/workload/example/ns/default/sa/example/n/pod-1
//   vsecm-sentinel --svid-dir /tmp/vsecm/svid/sentinel --safe-url https://127.0.0.1:8443/
//       -w example -s '{"user":"admin"}'
//   vsecm-example-workload --svid-dir /tmp/vsecm/svid/example --safe-url https://127.0.0.1:8443/
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include <unistd.h>

#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/log.hpp"

namespace {

constexpr const char* kUsage =
    "usage: vsecm-example-workload [--watch [--interval MS]] [--safe-url URL]\n"
    "                              [--svid-dir DIR | --spiffe-socket ADDR]\n"
    "\n"
    "Prints this workload's secret from the Safe; with --watch, prints it again whenever it\n"
    "changes (polling every MS milliseconds, default 5000) until interrupted.\n";

volatile std::sig_atomic_t g_stop = 0;

void PrintSecret(const vsecm::client::WorkloadSecret& secret) {
  auto data = secret.data.Expose();
  std::fwrite(data.data(), 1, data.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vsecm;
  const kernel::EnvLookup env = kernel::ProcessEnvironment();
  kernel::SetLogLevel(kernel::LogLevel::kWarn);  // stdout is the secret; stderr only problems
  client::ClientOptions options = client::ClientOptionsFromEnvironment(env);
  bool watch = false;
  long interval_ms = 5000;
  std::vector<std::string_view> args(argv + 1, argv + argc);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (args[i] == "-h" || args[i] == "--help") {
      std::cout << kUsage << client::kSafeUrlFlagHelp << identity::kIdentityFlagsHelp;
      return 0;
    } else if (args[i] == "--watch") {
      watch = true;
    } else if (args[i] == "--interval" && i + 1 < args.size()) {
      interval_ms = std::strtol(std::string(args[++i]).c_str(), nullptr, 10);
      if (interval_ms <= 0) {
        std::cerr << "vsecm-example-workload: --interval needs a positive number of ms\n";
        return 2;
      }
    } else if (client::TakeClientFlag(args, &i, &options, &error)) {
      if (!error.empty()) {
        std::cerr << "vsecm-example-workload: " << error << "\n";
        return 2;
      }
    } else {
      std::cerr << "vsecm-example-workload: unknown argument \"" << args[i] << "\"\n" << kUsage;
      return 2;
    }
  }

  auto safe = client::SafeClient::Create(std::move(options), env);
  if (!safe.ok()) {
    std::cerr << "vsecm-example-workload: " << safe.status().message() << "\n";
    return 1;
  }
  if (!watch) {
    StatusOr<client::WorkloadSecret> secret = (*safe)->Fetch();
    if (!secret.ok()) {
      std::cerr << "vsecm-example-workload: " << secret.status().message() << "\n";
      return 1;
    }
    PrintSecret(*secret);
    return 0;
  }

  std::signal(SIGINT, [](int) { g_stop = 1; });
  std::signal(SIGTERM, [](int) { g_stop = 1; });
  client::WatchOptions watch_options;
  watch_options.poll_interval = std::chrono::milliseconds(interval_ms);
  auto watcher = (*safe)->Watch(PrintSecret, watch_options, [](const Status& s) {
    std::cerr << "vsecm-example-workload: " << s.message() << " (still watching)\n";
  });
  while (g_stop == 0) ::pause();
  watcher->Stop();
  return 0;
}
