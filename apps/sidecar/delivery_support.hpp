// What the sidecar and the init container share: VSecM's millisecond environment variables, the
// reason a fetch failed in words an operator reads in a log, and a stop request from SIGTERM.
#ifndef VSECM_APPS_SIDECAR_DELIVERY_SUPPORT_HPP_
#define VSECM_APPS_SIDECAR_DELIVERY_SUPPORT_HPP_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::delivery {

// An integer variable as VSecM reads it: unset, empty or not a 32-bit integer gives `fallback`.
int64_t EnvInteger(const kernel::EnvLookup& env, const char* name, int64_t fallback);

// A duration in milliseconds; additionally a value below `minimum` gives `fallback` (a zero poll
// interval would spin).
std::chrono::milliseconds EnvMilliseconds(const kernel::EnvLookup& env, const char* name,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds minimum);

// Why a fetch did not deliver a secret, as one stable phrase: "the Safe is unreachable",
// "the Safe is not ready", "the Safe has no secret for this workload yet", "the Safe refused
// our identity", or "the Safe answered with an error".
std::string FailureReason(const Status& status);

// A stop request (SIGTERM, SIGINT, or Request()) that sleeping loops wake up for.
class StopSignal {
 public:
  // Blocks SIGTERM and SIGINT in this thread and all threads started after this call, and starts
  // a thread that turns them into Request(). A poll that does not end within `grace` after the
  // signal (a Safe that accepts but never answers) ends the process with `exit_code`, but never
  // while Critical() is held (a file being replaced).
  void InstallSignalHandling(std::chrono::milliseconds grace, int exit_code);

  void Request();
  bool requested() const { return requested_.load(); }
  // Sleeps up to `duration`; returns true when a stop was requested.
  bool WaitFor(std::chrono::milliseconds duration);
  // Held while the secrets file is being replaced.
  std::mutex& Critical() { return critical_; }

 private:
  std::atomic<bool> requested_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  std::mutex critical_;
};

}  // namespace vsecm::delivery

#endif  // VSECM_APPS_SIDECAR_DELIVERY_SUPPORT_HPP_
