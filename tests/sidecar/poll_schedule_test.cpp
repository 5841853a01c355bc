// PollSchedule against VSecM's ExponentialBackoff rules (lib/backoff/timer.go).
#include "poll_schedule.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "delivery_support.hpp"

namespace vsecm::sidecar {
namespace {

using std::chrono::milliseconds;

PollSettings Settings(int64_t poll, int64_t max, int64_t factor, int64_t successes, int64_t errors) {
  PollSettings s;
  s.poll_interval = milliseconds(poll);
  s.max_poll_interval = milliseconds(max);
  s.multiplier = factor;
  s.success_threshold = successes;
  s.error_threshold = errors;
  return s;
}

std::vector<int64_t> Outcomes(PollSchedule& schedule, const std::vector<bool>& outcomes) {
  std::vector<int64_t> out;
  for (bool ok : outcomes) out.push_back(schedule.Next(ok).count());
  return out;
}

TEST(PollScheduleTest, EveryThirdConsecutiveErrorDoublesUpToTheMaximum) {
  PollSchedule s(Settings(100, 1000, 2, 3, 3));
  EXPECT_EQ(Outcomes(s, std::vector<bool>(13, false)),
            (std::vector<int64_t>{100, 100, 200, 200, 200, 400, 400, 400, 800, 800, 800, 1000, 1000}));
}

TEST(PollScheduleTest, EveryThirdConsecutiveSuccessHalvesDownToThePollInterval) {
  PollSchedule s(Settings(100, 1000, 2, 3, 1));
  Outcomes(s, {false, false, false});  // 200, 400, 800
  ASSERT_EQ(s.interval(), milliseconds(800));
  EXPECT_EQ(Outcomes(s, {true, true, true, true, true, true, true, true, true, true, true, true}),
            (std::vector<int64_t>{800, 800, 400, 400, 400, 200, 200, 200, 100, 100, 100, 100}));
}

TEST(PollScheduleTest, AnOutcomeResetsTheOtherCounter) {
  PollSchedule s(Settings(100, 1000, 2, 3, 3));
  // Two errors, a success, two errors: never three in a row, so no growth (as in VSecM).
  EXPECT_EQ(Outcomes(s, {false, false, true, false, false, true}),
            (std::vector<int64_t>{100, 100, 100, 100, 100, 100}));
  EXPECT_EQ(s.Next(false).count(), 100);
  EXPECT_EQ(s.Next(false).count(), 100);
  EXPECT_EQ(s.Next(false).count(), 200);
  EXPECT_EQ(s.consecutive_errors(), 0);  // reset once the interval moved
}

TEST(PollScheduleTest, BoundaryCorrectionsAsInVSecM) {
  // A multiplier below 1 is 1: the interval never moves.
  PollSchedule flat(Settings(100, 1000, 0, 1, 1));
  EXPECT_EQ(Outcomes(flat, {false, false, true}), (std::vector<int64_t>{100, 100, 100}));
  // A poll interval above the maximum starts at the maximum.
  PollSchedule capped(Settings(5000, 1000, 2, 1, 1));
  EXPECT_EQ(capped.interval(), milliseconds(1000));
  EXPECT_EQ(Outcomes(capped, {false, true}), (std::vector<int64_t>{1000, 1000}));
  // A huge multiplier saturates at the maximum instead of overflowing.
  PollSchedule huge(Settings(100, 300000, 2147483647, 1, 1));
  EXPECT_EQ(huge.Next(false).count(), 300000);
  EXPECT_EQ(huge.Next(false).count(), 300000);
}

TEST(PollScheduleTest, SettingsFromTheEnvironmentWithVSecMDefaults) {
  std::map<std::string, std::string> values = {
      {"VSECM_SIDECAR_POLL_INTERVAL", "50"},
      {"VSECM_SIDECAR_MAX_POLL_INTERVAL", "not-a-number"},
      {"VSECM_SIDECAR_EXPONENTIAL_BACKOFF_MULTIPLIER", "4"},
      {"VSECM_SIDECAR_ERROR_THRESHOLD", "1"}};
  kernel::EnvLookup env = [&](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
  PollSettings s = PollSettings::FromEnvironment(env);
  EXPECT_EQ(s.poll_interval, milliseconds(50));
  EXPECT_EQ(s.max_poll_interval, milliseconds(300000));
  EXPECT_EQ(s.multiplier, 4);
  EXPECT_EQ(s.success_threshold, 3);
  EXPECT_EQ(s.error_threshold, 1);
  values["VSECM_SIDECAR_POLL_INTERVAL"] = "0";  // would spin: the default instead
  EXPECT_EQ(PollSettings::FromEnvironment(env).poll_interval, milliseconds(20000));
  PollSettings defaults = PollSettings::FromEnvironment([](const char*) { return std::nullopt; });
  EXPECT_EQ(defaults.poll_interval, milliseconds(20000));
  EXPECT_EQ(defaults.multiplier, 2);
  EXPECT_EQ(defaults.error_threshold, 3);
}

TEST(FailureReasonTest, NamesEachKindOfFailure) {
  EXPECT_EQ(delivery::FailureReason(Status(StatusCode::kUnavailable, "cannot reach the Safe at x")),
            "the Safe is unreachable");
  EXPECT_EQ(delivery::FailureReason(Status(StatusCode::kUnavailable, "the Safe is not ready: boot")),
            "the Safe is not ready");
  EXPECT_EQ(delivery::FailureReason(Status(StatusCode::kNotFound, "no secret")),
            "the Safe has no secret for this workload yet");
  EXPECT_EQ(delivery::FailureReason(Status(StatusCode::kPermissionDenied, "refused")),
            "the Safe refused our identity");
  EXPECT_EQ(delivery::FailureReason(Status(StatusCode::kInvalidArgument, "bad")),
            "the Safe answered with an error");
}

}  // namespace
}  // namespace vsecm::sidecar
