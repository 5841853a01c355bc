#include "delivery_support.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <limits>
#include <thread>

#include "vsecm/kernel/log.hpp"

namespace vsecm::delivery {

int64_t EnvInteger(const kernel::EnvLookup& env, const char* name, int64_t fallback) {
  std::optional<std::string> text = env ? env(name) : std::nullopt;
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  // strconv.ParseInt(p, 10, 32): the whole text, within 32 bits.
  if (ec != std::errc() || ptr != end || value < std::numeric_limits<int32_t>::min() ||
      value > std::numeric_limits<int32_t>::max()) {
    kernel::LogWarning("config", "{} is not a whole number; using {}", name, fallback);
    return fallback;
  }
  return value;
}

std::chrono::milliseconds EnvMilliseconds(const kernel::EnvLookup& env, const char* name,
                                          std::chrono::milliseconds fallback,
                                          std::chrono::milliseconds minimum) {
  int64_t value = EnvInteger(env, name, fallback.count());
  if (value < minimum.count()) {
    kernel::LogWarning("config", "{} must be at least {} ms; using {} ms", name, minimum.count(),
                       fallback.count());
    return fallback;
  }
  return std::chrono::milliseconds(value);
}

std::string FailureReason(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUnavailable:
      return status.message().rfind("the Safe is not ready", 0) == 0 ? "the Safe is not ready"
                                                                      : "the Safe is unreachable";
    case StatusCode::kNotFound:
      return "the Safe has no secret for this workload yet";
    case StatusCode::kPermissionDenied:
    case StatusCode::kFailedPrecondition:
      return "the Safe refused our identity";
    default:
      return "the Safe answered with an error";
  }
}

void StopSignal::InstallSignalHandling(std::chrono::milliseconds grace, int exit_code) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread([this, set, grace, exit_code] {
    int signal_number = 0;
    if (sigwait(&set, &signal_number) != 0) return;
    kernel::LogInfo("signal", "received {}; stopping", signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    Request();
    std::this_thread::sleep_for(grace);
    // Still here: the main thread is stuck in a request. Nothing is half-written unless
    // Critical() is held, so wait for that and leave.
    std::lock_guard<std::mutex> lock(critical_);
    kernel::LogInfo("signal", "a request to the Safe is still in flight; exiting without it");
    std::_Exit(exit_code);
  }).detach();
}

void StopSignal::Request() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requested_.store(true);
  }
  cv_.notify_all();
}

bool StopSignal::WaitFor(std::chrono::milliseconds duration) {
  std::unique_lock<std::mutex> lock(mutex_);
  return cv_.wait_for(lock, duration, [this] { return requested_.load(); });
}

}  // namespace vsecm::delivery
