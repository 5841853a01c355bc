// The sidecar's poll interval, with VSecM's rules (lib/backoff ExponentialBackoff, used by the
// sidecar's sentry.Watch):
//   - every poll counts as a success or an error; the other counter is reset;
//   - the ERROR_THRESHOLD-th consecutive error multiplies the interval by the multiplier (at most
//     MAX_POLL_INTERVAL) and resets both counters;
//   - the SUCCESS_THRESHOLD-th consecutive success divides it by the multiplier (at least
//     POLL_INTERVAL) and resets both counters.
// Boundary corrections as in VSecM: a multiplier below 1 is 1, and a poll interval above the
// maximum is the maximum.
#ifndef VSECM_APPS_SIDECAR_POLL_SCHEDULE_HPP_
#define VSECM_APPS_SIDECAR_POLL_SCHEDULE_HPP_

#include <chrono>
#include <cstdint>

#include "vsecm/kernel/config.hpp"

namespace vsecm::sidecar {

struct PollSettings {
  std::chrono::milliseconds poll_interval{20000};       // VSECM_SIDECAR_POLL_INTERVAL
  std::chrono::milliseconds max_poll_interval{300000};  // VSECM_SIDECAR_MAX_POLL_INTERVAL
  int64_t multiplier = 2;         // VSECM_SIDECAR_EXPONENTIAL_BACKOFF_MULTIPLIER
  int64_t success_threshold = 3;  // VSECM_SIDECAR_SUCCESS_THRESHOLD
  int64_t error_threshold = 3;    // VSECM_SIDECAR_ERROR_THRESHOLD

  static PollSettings FromEnvironment(const kernel::EnvLookup& env);
};

class PollSchedule {
 public:
  explicit PollSchedule(const PollSettings& settings);

  // Records one poll's outcome and returns the interval before the next one.
  std::chrono::milliseconds Next(bool success);

  std::chrono::milliseconds interval() const { return interval_; }
  int64_t consecutive_errors() const { return error_count_; }
  int64_t consecutive_successes() const { return success_count_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  int64_t factor_;
  int64_t success_threshold_;
  int64_t error_threshold_;
  std::chrono::milliseconds interval_;
  int64_t success_count_ = 0;
  int64_t error_count_ = 0;
};

}  // namespace vsecm::sidecar

#endif  // VSECM_APPS_SIDECAR_POLL_SCHEDULE_HPP_
