// Backoff arithmetic and Retry-After parsing.
#include <gtest/gtest.h>

#include "k8s_test_util.hpp"
#include "vsecm/k8s/kube_client.hpp"

namespace vsecm::k8s {
namespace {

using std::chrono::milliseconds;

TEST(RetryTest, ParseRetryAfter) {
  EXPECT_EQ(ParseRetryAfter("1"), milliseconds(1000));
  EXPECT_EQ(ParseRetryAfter("0"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("120"), milliseconds(120000));
  EXPECT_EQ(ParseRetryAfter(""), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("-1"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT"), milliseconds(0));
  EXPECT_EQ(ParseRetryAfter("99999999"), milliseconds(0));
}

TEST(RetryTest, BackoffIsExponentialJitteredCappedAndHonorsRetryAfter) {
  testing::FakeKubeApi fake;
  testing::TempDir dir;
  testing::WriteFile(dir / "kc", fake.Kubeconfig("fake-token"));
  auto config = LoadKubeconfig(dir / "kc");
  ASSERT_TRUE(config.ok());
  KubeClient::Options options;
  options.retry.initial_backoff = milliseconds(100);
  options.retry.max_backoff = milliseconds(1000);
  options.retry.max_retry_after = milliseconds(5000);
  auto client = KubeClient::Create(std::move(config).value(), options);
  ASSERT_TRUE(client.ok());
  KubeClient& c = **client;
  bool varied = false;
  for (int i = 0; i < 50; ++i) {
    const auto a1 = c.Backoff(1, milliseconds(0));
    EXPECT_GE(a1.count(), 50);
    EXPECT_LE(a1.count(), 100);
    const auto a3 = c.Backoff(3, milliseconds(0));
    EXPECT_GE(a3.count(), 200);
    EXPECT_LE(a3.count(), 400);
    const auto a10 = c.Backoff(10, milliseconds(0));
    EXPECT_GE(a10.count(), 500);
    EXPECT_LE(a10.count(), 1000) << "capped at max_backoff";
    if (a1 != c.Backoff(1, milliseconds(0))) varied = true;
    EXPECT_EQ(c.Backoff(1, milliseconds(3000)).count(), 3000) << "Retry-After is a floor";
    EXPECT_EQ(c.Backoff(1, milliseconds(60000)).count(), 5000) << "within max_retry_after";
  }
  EXPECT_TRUE(varied) << "no jitter";
}

}  // namespace
}  // namespace vsecm::k8s
