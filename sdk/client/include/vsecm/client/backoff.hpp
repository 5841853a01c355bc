// VSecM's retry policy for calls to the Safe (lib/backoff in VSecM), read from
//
//   VSECM_BACKOFF_DELAY        1000   ms before the first retry
//   VSECM_BACKOFF_MAX_RETRIES  10     retries after the first attempt
//   VSECM_BACKOFF_MAX_WAIT     30000  ms, the longest single wait
//   VSECM_BACKOFF_MODE         exponential (delay * 2^n) | linear (delay each time)
//
// As in VSecM each wait gets a jitter in [0, delay) and a value that does not parse falls back
// to the default (a mode other than "exponential" means linear). Unlike VSecM, 0 retries means
// no retry (VSecM turns 0 into 5), and no wait follows the last failure.
#ifndef VSECM_CLIENT_BACKOFF_HPP_
#define VSECM_CLIENT_BACKOFF_HPP_

#include <chrono>
#include <cstdint>
#include <optional>

#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client {

enum class BackoffMode { kExponential, kLinear };

struct BackoffPolicy {
  std::chrono::milliseconds delay{1000};
  int max_retries = 10;
  std::chrono::milliseconds max_wait{30000};
  BackoffMode mode = BackoffMode::kExponential;

  static BackoffPolicy FromEnvironment(const kernel::EnvLookup& env);
  static BackoffPolicy NoRetries() {
    BackoffPolicy p;
    p.max_retries = 0;
    return p;
  }
};

// The waits of one retry loop.
class Backoff {
 public:
  explicit Backoff(BackoffPolicy policy, uint64_t jitter_seed = 0);

  // The wait before the next attempt, or nullopt when the retries are used up.
  std::optional<std::chrono::milliseconds> Next();
  int retries() const noexcept { return retries_; }
  void Reset() noexcept { retries_ = 0; }

 private:
  BackoffPolicy policy_;
  uint64_t state_;
  int retries_ = 0;
};

// Failures worth another attempt: the Safe unreachable, not ready, or the connection lost.
inline bool IsRetryable(const Status& status) { return status.code() == StatusCode::kUnavailable; }

}  // namespace vsecm::client

#endif  // VSECM_CLIENT_BACKOFF_HPP_
