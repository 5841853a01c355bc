#include "vsecm/client/backoff.hpp"

#include <gtest/gtest.h>

#include <map>

namespace vsecm::client {
namespace {

kernel::EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(BackoffTest, VsecmDefaults) {
  BackoffPolicy p = BackoffPolicy::FromEnvironment(Env({}));
  EXPECT_EQ(p.delay.count(), 1000);
  EXPECT_EQ(p.max_retries, 10);
  EXPECT_EQ(p.max_wait.count(), 30000);
  EXPECT_EQ(p.mode, BackoffMode::kExponential);
}

TEST(BackoffTest, EnvironmentAndFallbacks) {
  BackoffPolicy p = BackoffPolicy::FromEnvironment(Env({{"VSECM_BACKOFF_DELAY", "250"},
                                                        {"VSECM_BACKOFF_MAX_RETRIES", "3"},
                                                        {"VSECM_BACKOFF_MAX_WAIT", "900"},
                                                        {"VSECM_BACKOFF_MODE", " linear "}}));
  EXPECT_EQ(p.delay.count(), 250);
  EXPECT_EQ(p.max_retries, 3);
  EXPECT_EQ(p.max_wait.count(), 900);
  EXPECT_EQ(p.mode, BackoffMode::kLinear);
  // As VSecM: what does not parse is the default, and any mode but "exponential" is linear.
  BackoffPolicy q = BackoffPolicy::FromEnvironment(Env({{"VSECM_BACKOFF_DELAY", "soon"},
                                                        {"VSECM_BACKOFF_MAX_RETRIES", "-1"},
                                                        {"VSECM_BACKOFF_MAX_WAIT", "99999999999"},
                                                        {"VSECM_BACKOFF_MODE", "Exponential"}}));
  EXPECT_EQ(q.delay.count(), 1000);
  EXPECT_EQ(q.max_retries, 10);
  EXPECT_EQ(q.max_wait.count(), 30000);
  EXPECT_EQ(q.mode, BackoffMode::kLinear);
}

TEST(BackoffTest, ExponentialWaitsWithJitterAndCap) {
  BackoffPolicy p;
  p.delay = std::chrono::milliseconds(100);
  p.max_retries = 6;
  p.max_wait = std::chrono::milliseconds(1000);
  Backoff b(p, 42);
  const int64_t base[] = {100, 200, 400, 800};
  for (int64_t expected : base) {
    auto wait = b.Next();
    ASSERT_TRUE(wait.has_value());
    EXPECT_GE(wait->count(), expected);
    EXPECT_LT(wait->count(), expected + 100);
  }
  EXPECT_EQ(b.Next()->count(), 1000);  // 1600 + jitter, capped
  EXPECT_EQ(b.Next()->count(), 1000);
  EXPECT_FALSE(b.Next().has_value());
  EXPECT_EQ(b.retries(), 6);
  b.Reset();
  EXPECT_TRUE(b.Next().has_value());
}

TEST(BackoffTest, LinearAndNoRetries) {
  BackoffPolicy p;
  p.delay = std::chrono::milliseconds(50);
  p.max_retries = 3;
  p.mode = BackoffMode::kLinear;
  Backoff b(p, 7);
  for (int i = 0; i < 3; ++i) {
    auto wait = b.Next();
    ASSERT_TRUE(wait.has_value());
    EXPECT_GE(wait->count(), 50);
    EXPECT_LT(wait->count(), 100);
  }
  EXPECT_FALSE(b.Next().has_value());

  Backoff none(BackoffPolicy::NoRetries());
  EXPECT_FALSE(none.Next().has_value());

  BackoffPolicy zero;
  zero.delay = std::chrono::milliseconds(0);
  zero.max_retries = 2;
  Backoff z(zero);
  EXPECT_EQ(z.Next()->count(), 0);
}

TEST(BackoffTest, OnlyUnavailableIsRetryable) {
  EXPECT_TRUE(IsRetryable(Unavailable("x")));
  EXPECT_FALSE(IsRetryable(PermissionDenied("x")));
  EXPECT_FALSE(IsRetryable(InvalidArgument("x")));
  EXPECT_FALSE(IsRetryable(NotFound("x")));
}

}  // namespace
}  // namespace vsecm::client
