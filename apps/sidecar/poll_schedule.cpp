#include "poll_schedule.hpp"

#include <algorithm>

#include "delivery_support.hpp"

namespace vsecm::sidecar {

using std::chrono::milliseconds;

PollSettings PollSettings::FromEnvironment(const kernel::EnvLookup& env) {
  PollSettings s;
  s.poll_interval = delivery::EnvMilliseconds(env, "VSECM_SIDECAR_POLL_INTERVAL", s.poll_interval,
                                              milliseconds(1));
  s.max_poll_interval = delivery::EnvMilliseconds(env, "VSECM_SIDECAR_MAX_POLL_INTERVAL",
                                                  s.max_poll_interval, milliseconds(1));
  s.multiplier =
      delivery::EnvInteger(env, "VSECM_SIDECAR_EXPONENTIAL_BACKOFF_MULTIPLIER", s.multiplier);
  s.success_threshold =
      delivery::EnvInteger(env, "VSECM_SIDECAR_SUCCESS_THRESHOLD", s.success_threshold);
  s.error_threshold = delivery::EnvInteger(env, "VSECM_SIDECAR_ERROR_THRESHOLD", s.error_threshold);
  return s;
}

PollSchedule::PollSchedule(const PollSettings& settings)
    : initial_(std::min(settings.poll_interval, settings.max_poll_interval)),
      max_(settings.max_poll_interval),
      factor_(std::max<int64_t>(settings.multiplier, 1)),
      success_threshold_(settings.success_threshold),
      error_threshold_(settings.error_threshold),
      interval_(initial_) {}

milliseconds PollSchedule::Next(bool success) {
  if (success) {
    error_count_ = 0;
    if (++success_count_ >= success_threshold_) {
      interval_ = std::max(milliseconds(interval_.count() / factor_), initial_);
      success_count_ = 0;
    }
    return interval_;
  }
  success_count_ = 0;
  if (++error_count_ >= error_threshold_) {
    // Saturating: a large multiplier must not overflow past the cap.
    const int64_t limit = max_.count() / factor_;
    interval_ = interval_.count() > limit ? max_ : std::min(milliseconds(interval_.count() * factor_), max_);
    error_count_ = 0;
  }
  return interval_;
}

}  // namespace vsecm::sidecar
