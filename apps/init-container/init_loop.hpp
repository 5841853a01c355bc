// The init container's wait: poll the Safe until it has a non-empty secret for this workload
// (VSecM's startup.Watch: `sentry.Fetch()` data != ""), then wait the configured time and
// return 0. VSecM checks only after its first tick; we check at once, then every interval.
// Each time the reason for still waiting changes, one line says it (unreachable, not ready, no
// secret yet, identity refused), so `kubectl logs` tells an operator what to fix.
#ifndef VSECM_APPS_INIT_CONTAINER_INIT_LOOP_HPP_
#define VSECM_APPS_INIT_CONTAINER_INIT_LOOP_HPP_

#include <chrono>
#include <functional>
#include <optional>

#include "delivery_support.hpp"
#include "vsecm/client/types.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::init_container {

struct InitOptions {
  std::chrono::milliseconds poll_interval{5000};  // VSECM_INIT_CONTAINER_POLL_INTERVAL
  std::chrono::milliseconds wait_before_exit{0};  // VSECM_INIT_CONTAINER_WAIT_BEFORE_EXIT
  std::optional<std::chrono::milliseconds> timeout;  // --timeout: give up (exit 1); off in VSecM

  static InitOptions FromEnvironment(const kernel::EnvLookup& env);
};

using Fetcher = std::function<StatusOr<client::WorkloadSecret>()>;

// The process exit code: 0 once the secret exists, 1 on timeout or when stopped first.
int WaitForSecret(const InitOptions& options, const Fetcher& fetch, delivery::StopSignal& stop);

}  // namespace vsecm::init_container

#endif  // VSECM_APPS_INIT_CONTAINER_INIT_LOOP_HPP_
