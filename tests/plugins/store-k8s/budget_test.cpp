// Deadlines: one send is bounded by the request timeout (connect to the last body byte), one
// call by RetryPolicy::total_budget across all its sends and waits, and an operation of several
// calls by the deadline its SecretsApi carries. A stalled API server must make calls fail with
// kUnavailable naming the deadline, after a bounded number of sends.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include "k8s_test_util.hpp"

namespace vsecm::k8s {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using testing::FakeKubeApi;

struct Client {
  Client(FakeKubeApi& fake, KubeClient::Options options) {
    testing::WriteFile(dir / "kc", fake.Kubeconfig("fake-token"));
    auto config = LoadKubeconfig(dir / "kc");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    auto c = KubeClient::Create(std::move(config).value(), std::move(options));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    client = std::move(c).value();
  }
  testing::TempDir dir;
  std::unique_ptr<KubeClient> client;
};

// A clock that only the client's own sleeps move (plus 1 ms per reading, so time never stands
// still): budgets run out without real waiting, and the test knows exactly how long it "took".
struct FakeTime {
  std::atomic<int64_t> ms{0};
  std::vector<milliseconds> waits;
  void Install(KubeClient::Options& options) {
    options.now = [this] {
      return KubeClient::Clock::time_point(milliseconds(ms.fetch_add(1) + 1000000));
    };
    options.sleep = [this](milliseconds d) {
      waits.push_back(d);
      ms += d.count();
    };
  }
};

TEST(BudgetTest, AStalledServerFailsTheCallWithinItsBudget) {
  FakeKubeApi fake;
  fake.Seed("apps", {{"metadata", {{"name", "db"}}}, {"data", {{"k", "dg=="}}}});
  KubeClient::Options options;
  options.request_timeout = milliseconds(300);
  options.retry.max_attempts = 100;  // the budget, not the attempts, must end it
  options.retry.initial_backoff = milliseconds(10);
  options.retry.max_backoff = milliseconds(20);
  options.retry.total_budget = milliseconds(1000);
  Client c(fake, options);
  SecretsApi api(*c.client);
  fake.StallNext(1000, std::chrono::seconds(120));
  const auto start = std::chrono::steady_clock::now();
  auto got = api.Get("apps", "db");
  const auto took = std::chrono::steady_clock::now() - start;
  const size_t sends = fake.ReceivedCount();
  fake.ReleaseStalls();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("the call's time budget of 1000 ms is spent"));
  EXPECT_THAT(got.status().message(), HasSubstr("timed out waiting for the response"));
  EXPECT_THAT(got.status().message(), HasSubstr("request deadline of"));
  // 1000 ms of budget in sends of at most 300 ms: four at most, far from max_attempts.
  EXPECT_GE(sends, 2u);
  EXPECT_LE(sends, 5u);
  EXPECT_LT(took, milliseconds(5000)) << "very loose: only a runaway call fails it";
  // The server is fine again: the next call succeeds.
  auto again = api.Get("apps", "db");
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(BudgetTest, HeadersThenAStalledBodyRunIntoTheRequestDeadline) {
  FakeKubeApi fake;
  fake.Seed("apps", {{"metadata", {{"name", "db"}}}, {"data", {{"k", "dg=="}}}});
  KubeClient::Options options;
  options.request_timeout = milliseconds(500);
  options.retry.max_attempts = 1;
  Client c(fake, options);
  SecretsApi api(*c.client);
  fake.StallNext(1, std::chrono::seconds(120), FakeKubeApi::StallPoint::kMidBody);
  auto got = api.Get("apps", "db");
  fake.ReleaseStalls();
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_THAT(got.status().message(),
              HasSubstr("timed out reading the response: no complete answer within the request "
                        "deadline of 500 ms"));
  EXPECT_EQ(fake.ReceivedCount(), 1u);
  auto again = api.Get("apps", "db");
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

TEST(BudgetTest, BackoffsCountAgainstTheBudget) {
  FakeKubeApi fake;
  fake.FailNext(1000, 503);
  KubeClient::Options options;
  options.retry.max_attempts = 100;
  options.retry.initial_backoff = milliseconds(1000);
  options.retry.max_backoff = milliseconds(4000);
  options.retry.total_budget = milliseconds(10000);
  FakeTime time;
  time.Install(options);
  Client c(fake, options);
  SecretsApi api(*c.client);
  auto got = api.Get("apps", "db");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("503"));
  EXPECT_THAT(got.status().message(), HasSubstr("the call's time budget of 10000 ms is spent"));
  int64_t waited = 0;
  for (auto w : time.waits) waited += w.count();
  EXPECT_LT(waited, 10000) << "a wait that would pass the budget is not started";
  // Waits of at least 500, 1000, 2000, 2000, ... ms: at most 7 sends fit in 10 s.
  EXPECT_EQ(fake.Requests().size(), time.waits.size() + 1);
  EXPECT_LE(fake.Requests().size(), 7u);
}

TEST(BudgetTest, ARetryAfterBeyondTheBudgetEndsTheCallAtOnce) {
  FakeKubeApi fake;
  fake.FailNext(5, 429, /*retry_after_seconds=*/60);
  KubeClient::Options options;
  options.retry.max_retry_after = milliseconds(120000);
  options.retry.total_budget = milliseconds(5000);
  FakeTime time;
  time.Install(options);
  Client c(fake, options);
  SecretsApi api(*c.client);
  auto got = api.Get("apps", "db");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("time budget of 5000 ms"));
  EXPECT_TRUE(time.waits.empty()) << "waited for a retry that could not fit";
  EXPECT_EQ(fake.Requests().size(), 1u);
}

TEST(BudgetTest, AnOperationDeadlineSpansItsCalls) {
  FakeKubeApi fake;
  KubeClient::Options options;
  FakeTime time;
  time.Install(options);
  Client c(fake, options);
  SecretsApi api(*c.client, c.client->DeadlineAfter(milliseconds(100)));
  time.ms += 200;  // the operation's earlier calls used it up
  auto got = api.Get("apps", "db");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable) << got.status().ToString();
  EXPECT_THAT(got.status().message(), HasSubstr("not sent: the operation's deadline had passed"));
  EXPECT_EQ(fake.ReceivedCount(), 0u);
}

}  // namespace
}  // namespace vsecm::k8s
