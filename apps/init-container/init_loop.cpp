#include "init_loop.hpp"

#include <algorithm>
#include <string>

#include "vsecm/kernel/log.hpp"

namespace vsecm::init_container {
namespace {

constexpr const char* kLog = "init-container";

}  // namespace

InitOptions InitOptions::FromEnvironment(const kernel::EnvLookup& env) {
  using std::chrono::milliseconds;
  InitOptions o;
  o.poll_interval = delivery::EnvMilliseconds(env, "VSECM_INIT_CONTAINER_POLL_INTERVAL",
                                              o.poll_interval, milliseconds(1));
  o.wait_before_exit = delivery::EnvMilliseconds(env, "VSECM_INIT_CONTAINER_WAIT_BEFORE_EXIT",
                                                 o.wait_before_exit, milliseconds(0));
  return o;
}

int WaitForSecret(const InitOptions& options, const Fetcher& fetch, delivery::StopSignal& stop) {
  using Clock = std::chrono::steady_clock;
  using std::chrono::milliseconds;
  const Clock::time_point start = Clock::now();
  std::string last_reason;
  uint64_t polls = 0;
  kernel::LogInfo(kLog, "waiting for this workload's secret (polling every {} ms{})",
                  options.poll_interval.count(),
                  options.timeout ? ", giving up after " + std::to_string(options.timeout->count()) + " ms"
                                  : std::string());
  while (!stop.requested()) {
    ++polls;
    StatusOr<client::WorkloadSecret> secret = fetch();
    if (stop.requested()) break;
    std::string reason;
    std::string detail;
    if (secret.ok() && !secret->data.empty()) {
      kernel::LogInfo(kLog, "the Safe has a secret for this workload (after {} polls); exiting in {} ms",
                      polls, options.wait_before_exit.count());
      // A stop during this wait still exits 0: the secret is there, which is what we were for.
      if (options.wait_before_exit.count() > 0) stop.WaitFor(options.wait_before_exit);
      return 0;
    }
    if (secret.ok()) {
      reason = "the workload's secret is empty";
    } else {
      reason = delivery::FailureReason(secret.status());
      detail = secret.status().message();
    }
    kernel::LogDebug(kLog, "poll {}: {}", polls, reason);
    if (reason != last_reason) {
      kernel::LogInfo(kLog, "waiting because {}{}", reason, detail.empty() ? "" : ": " + detail);
      last_reason = reason;
    }
    milliseconds wait = options.poll_interval;
    if (options.timeout) {
      const auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
      if (elapsed >= *options.timeout) {
        kernel::LogError(kLog, "gave up after {} ms: {}", elapsed.count(), reason);
        return 1;
      }
      wait = std::min(wait, *options.timeout - elapsed);
    }
    if (stop.WaitFor(wait)) break;
  }
  kernel::LogWarning(kLog, "stopped before the secret was available ({})",
                     last_reason.empty() ? "no answer yet" : last_reason);
  return 1;
}

}  // namespace vsecm::init_container
