// The vsecm-init-container binary against a real `vsecm-safe dev`: it waits while the Safe is
// unreachable or has no secret (saying why, once per change), exits 0 soon after Sentinel
// registers the workload's secret, and gives up with --timeout.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "client_test_support.hpp"
#include "delivery_process.hpp"

namespace vsecm::testing {
namespace {

constexpr const char* kInit = "vsecm-init-container";

class InitContainerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
    svid_ = safe_.IssueSvid(WorkloadId("orders"), "orders");
    ASSERT_TRUE(std::filesystem::exists(svid_ + "/svid.pem"));
  }

  bool StartInit(DeliveryProcess& p, const std::string& url, std::vector<std::string> args = {},
                 std::map<std::string, std::string> env = {}, const std::string& svid = "") {
    std::vector<std::string> all = {"--safe-url", url, "--svid-dir", svid.empty() ? svid_ : svid};
    all.insert(all.end(), args.begin(), args.end());
    env.emplace("VSECM_INIT_CONTAINER_POLL_INTERVAL", "50");
    env.emplace("VSECM_LOG_LEVEL", "debug");
    return p.Start(kInit, all, env, safe_.dir() / ("init-" + std::to_string(++runs_) + ".log"));
  }

  void Put(const std::string& workload, const std::string& value) {
    auto sentinel = ClientFor(ApiUrl(safe_), safe_.Sentinel());
    ASSERT_TRUE(sentinel.ok()) << sentinel.status().ToString();
    Status s = (*sentinel)->Upsert(Upsert(workload, value));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  DevSafe safe_;
  std::string svid_;
  int runs_ = 0;
};

TEST_F(InitContainerE2eTest, BlocksWithoutASecretAndExitsOnceSentinelRegistersIt) {
  Put("someone-else", "not ours");
  DeliveryProcess init;
  ASSERT_TRUE(StartInit(init, ApiUrl(safe_)));
  ASSERT_TRUE(Eventually([&] { return init.Count("poll \\d+:") >= 10; })) << init.Log();
  EXPECT_TRUE(init.Running()) << init.Log();
  // One line per reason, not one per poll.
  EXPECT_EQ(init.Count("waiting because the Safe has no secret for this workload yet"), 1u)
      << init.Log();
  Put("orders", R"({"db":"orders"})");
  EXPECT_EQ(init.Wait(30), 0) << init.Log();
  EXPECT_EQ(init.Count("the Safe has a secret for this workload"), 1u) << init.Log();
  EXPECT_EQ(init.Log().find("orders\"}"), std::string::npos);  // no secret in the log
}

TEST_F(InitContainerE2eTest, SaysWhyItWaitsAsTheReasonChanges) {
  const std::string url = ApiUrl(safe_);
  const std::string port = std::regex_replace(url, std::regex(".*:(\\d+)/$"), "$1");
  safe_.Kill(SIGKILL);
  DeliveryProcess init;
  ASSERT_TRUE(StartInit(init, url, {}, {{"VSECM_INIT_CONTAINER_WAIT_BEFORE_EXIT", "200"}}));
  ASSERT_TRUE(Eventually([&] { return init.Count("poll \\d+:") >= 5; })) << init.Log();
  EXPECT_EQ(init.Count("waiting because the Safe is unreachable: cannot reach the Safe"), 1u)
      << init.Log();
  safe_.SetEnv("VSECM_SAFE_TLS_PORT", port);
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  ASSERT_TRUE(Eventually([&] {
    return init.Count("waiting because the Safe has no secret for this workload yet") == 1;
  })) << init.Log();
  EXPECT_TRUE(init.Running());
  Put("orders", "ready");
  EXPECT_EQ(init.Wait(30), 0) << init.Log();
  EXPECT_EQ(init.Count("exiting in 200 ms"), 1u) << init.Log();
}

TEST_F(InitContainerE2eTest, AnIdentityTheSafeRefusesIsNamed) {
  // An SVID from the right CA whose SPIFFE ID is not a workload's (VSecM's workload pattern).
  const std::string stranger = safe_.IssueSvid("spiffe://vsecm.com/stranger/x", "stranger");
  DeliveryProcess init;
  ASSERT_TRUE(StartInit(init, ApiUrl(safe_), {"--timeout", "2000"}, {}, stranger));
  EXPECT_EQ(init.Wait(30), 1) << init.Log();
  EXPECT_EQ(init.Count("waiting because the Safe refused our identity"), 1u) << init.Log();
}

TEST_F(InitContainerE2eTest, TimeoutGivesUpWithExitCode1) {
  DeliveryProcess init;
  // Long enough for several polls: with one, a slow first handshake would make the last reason
  // "unreachable" rather than "no secret".
  ASSERT_TRUE(StartInit(init, ApiUrl(safe_), {"--timeout", "3000"}));
  EXPECT_EQ(init.Wait(30), 1) << init.Log();
  EXPECT_EQ(init.Count("gave up after \\d+ ms: the Safe has no secret for this workload yet"), 1u)
      << init.Log();
  DeliveryProcess bad;
  ASSERT_TRUE(StartInit(bad, ApiUrl(safe_), {"--timeout", "soon"}));
  EXPECT_EQ(bad.Wait(10), 2);
  EXPECT_NE(bad.Log().find("--timeout needs a positive number"), std::string::npos) << bad.Log();
}

TEST_F(InitContainerE2eTest, SigtermStopsItWhileWaiting) {
  DeliveryProcess init;
  ASSERT_TRUE(StartInit(init, ApiUrl(safe_)));
  ASSERT_TRUE(Eventually([&] { return init.Count("waiting because") >= 1; })) << init.Log();
  init.Signal(SIGTERM);
  EXPECT_EQ(init.Wait(10), 1) << init.Log();
  EXPECT_EQ(init.Count("stopped before the secret was available"), 1u) << init.Log();
}

}  // namespace
}  // namespace vsecm::testing
