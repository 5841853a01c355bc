// The vsecm-sidecar binary against a real `vsecm-safe dev`: the file it writes, rewrites only on
// change, the file kept while the Safe is down, the back-off visible in its log, and recovery
// once the Safe is back on the same port.
#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "client_test_support.hpp"
#include "delivery_process.hpp"

namespace vsecm::testing {
namespace {

constexpr const char* kSidecar = "vsecm-sidecar";

class SidecarE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
    svid_ = safe_.IssueSvid(WorkloadId("billing"), "billing");
    ASSERT_TRUE(std::filesystem::exists(svid_ + "/svid.pem"));
    secrets_ = safe_.dir() / "out/secrets.json";
    std::filesystem::create_directories(safe_.dir() / "out");
  }

  void Put(const std::string& value) {
    auto sentinel = ClientFor(ApiUrl(safe_), safe_.Sentinel());
    ASSERT_TRUE(sentinel.ok()) << sentinel.status().ToString();
    Status s = (*sentinel)->Upsert(Upsert("billing", value));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  std::map<std::string, std::string> Env(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> env = {{"VSECM_SIDECAR_POLL_INTERVAL", "50"},
                                              {"VSECM_SIDECAR_SECRETS_PATH", secrets_},
                                              {"VSECM_LOG_LEVEL", "debug"}};
    for (auto& [k, v] : extra) env[k] = v;
    return env;
  }

  bool StartSidecar(DeliveryProcess& p, std::map<std::string, std::string> extra = {},
                    std::vector<std::string> args = {}) {
    std::vector<std::string> all = {"--safe-url", ApiUrl(safe_), "--svid-dir", svid_};
    all.insert(all.end(), args.begin(), args.end());
    return p.Start(kSidecar, all, Env(std::move(extra)), safe_.dir() / "sidecar.log");
  }

  std::string Content() const { return ReadAll(secrets_); }

  DevSafe safe_;
  std::string svid_;
  std::string secrets_;
};

struct stat StatOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st;
}

TEST_F(SidecarE2eTest, WritesTheDataWithMode0600AndRewritesOnlyOnChange) {
  Put(R"({"user":"admin","pass":"first"})");
  DeliveryProcess sidecar;
  ASSERT_TRUE(StartSidecar(sidecar));
  ASSERT_TRUE(Eventually([&] { return Content() == R"({"user":"admin","pass":"first"})"; }))
      << sidecar.Log();
  EXPECT_EQ(StatOf(secrets_).st_mode & 07777, 0600u);
  const struct stat first = StatOf(secrets_);
  // Several more polls with the same secret: the file is not replaced.
  const size_t polls = sidecar.Count("poll \\d+: secret delivered");
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("poll \\d+: secret delivered") >= polls + 5; }))
      << sidecar.Log();
  const struct stat later = StatOf(secrets_);
  EXPECT_EQ(later.st_ino, first.st_ino);
  EXPECT_EQ(later.st_mtim.tv_sec, first.st_mtim.tv_sec);
  EXPECT_EQ(later.st_mtim.tv_nsec, first.st_mtim.tv_nsec);
  EXPECT_EQ(sidecar.Count("wrote the secret"), 1u) << sidecar.Log();

  Put(R"({"user":"admin","pass":"second"})");
  ASSERT_TRUE(Eventually([&] { return Content() == R"({"user":"admin","pass":"second"})"; }))
      << sidecar.Log();
  EXPECT_NE(StatOf(secrets_).st_ino, first.st_ino);
  EXPECT_EQ(StatOf(secrets_).st_mode & 07777, 0600u);
  // The file is renamed into place before the sidecar logs the write.
  EXPECT_TRUE(Eventually([&] { return sidecar.Count("wrote the secret") == 2u; })) << sidecar.Log();
  // The log never carries the secret.
  EXPECT_EQ(sidecar.Log().find("second"), std::string::npos);
  EXPECT_EQ(sidecar.Log().find("first"), std::string::npos);

  sidecar.Signal(SIGTERM);
  EXPECT_EQ(sidecar.Wait(10), 0) << sidecar.Log();
  EXPECT_EQ(Content(), R"({"user":"admin","pass":"second"})");  // left for the workload
}

TEST_F(SidecarE2eTest, KeepsTheFileWhileTheSafeIsDownBacksOffAndResumes) {
  Put("v1");
  DeliveryProcess sidecar;
  ASSERT_TRUE(StartSidecar(sidecar, {{"VSECM_SIDECAR_MAX_POLL_INTERVAL", "400"},
                                     {"VSECM_SIDECAR_ERROR_THRESHOLD", "2"},
                                     {"VSECM_SIDECAR_SUCCESS_THRESHOLD", "2"}}));
  ASSERT_TRUE(Eventually([&] { return Content() == "v1"; })) << sidecar.Log();
  const std::string port = std::regex_replace(ApiUrl(safe_), std::regex(".*:(\\d+)/$"), "$1");

  safe_.Kill(SIGKILL);
  // The back-off reaches its cap and stays there.
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("next poll in 400 ms") >= 3; })) << sidecar.Log();
  EXPECT_EQ(Content(), "v1");
  std::string log = sidecar.Log();
  std::regex line("cannot fetch the secret: the Safe is unreachable.*next poll in (\\d+) ms");
  std::vector<int> intervals;
  for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator(); ++it)
    intervals.push_back(std::stoi((*it)[1]));
  ASSERT_GE(intervals.size(), 6u) << log;
  for (size_t i = 1; i < intervals.size(); ++i) {
    EXPECT_GE(intervals[i], intervals[i - 1]) << log;
    EXPECT_LE(intervals[i], 400);
  }
  EXPECT_EQ(intervals.front(), 50);
  EXPECT_GT(std::set<int>(intervals.begin(), intervals.end()).size(), 2u);  // it grew in steps

  // The Safe comes back on the same port with the same data; the sidecar picks up an update.
  safe_.SetEnv("VSECM_SAFE_TLS_PORT", port);
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("the Safe answers again") >= 1; }))
      << sidecar.Log();
  EXPECT_EQ(Content(), "v1");
  Put("v2");
  ASSERT_TRUE(Eventually([&] { return Content() == "v2"; })) << sidecar.Log();
  // Successes bring the interval back down.
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("interval back to 50 ms") >= 1; }))
      << sidecar.Log();
  EXPECT_TRUE(sidecar.Running());
}

TEST_F(SidecarE2eTest, NoSecretEmptiesTheFileAndOnceExitsAfterTheFirstSecret) {
  // --once waits through "no secret" until there is one; meanwhile the file is there and empty,
  // as VSecM's SDK (sentry.Watch) leaves it.
  DeliveryProcess once;
  ASSERT_TRUE(StartSidecar(once, {}, {"--once"}));
  ASSERT_TRUE(Eventually([&] { return once.Count("no secret for this workload yet") >= 1; }))
      << once.Log();
  EXPECT_TRUE(once.Running());
  EXPECT_TRUE(std::filesystem::exists(secrets_));
  EXPECT_EQ(Content(), "");
  Put("only");
  EXPECT_EQ(once.Wait(30), 0) << once.Log();
  EXPECT_EQ(Content(), "only");

  // Deleting the secret (404) empties the file: a delete revokes the secret in the pod. Said
  // once in the log, and a 404 is not a failure: no back-off.
  DeliveryProcess sidecar;
  ASSERT_TRUE(StartSidecar(sidecar));
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("poll \\d+: secret delivered") >= 1; }))
      << sidecar.Log();
  // (Both processes log to the same file: count from here.)
  const size_t emptied_before = sidecar.Count("emptied " + secrets_);
  auto sentinel = ClientFor(ApiUrl(safe_), safe_.Sentinel());
  ASSERT_TRUE(sentinel.ok());
  ASSERT_TRUE((*sentinel)->Delete({"billing"}).ok());
  ASSERT_TRUE(Eventually([&] { return Content().empty(); })) << sidecar.Log();
  EXPECT_TRUE(std::filesystem::exists(secrets_));
  EXPECT_EQ(StatOf(secrets_).st_mode & 0777, 0600u);
  const size_t polls = sidecar.Count("poll \\d+: no secret");
  ASSERT_TRUE(Eventually([&] { return sidecar.Count("poll \\d+: no secret") >= polls + 3; }));
  EXPECT_EQ(sidecar.Count("emptied " + secrets_), emptied_before + 1) << sidecar.Log();
  EXPECT_EQ(sidecar.Count("next poll in"), 0u);

  // Registered again: delivered again.
  Put("back");
  EXPECT_TRUE(Eventually([&] { return Content() == "back"; })) << sidecar.Log();
}

TEST_F(SidecarE2eTest, UsageErrorsAndHelp) {
  DeliveryProcess help;
  ASSERT_TRUE(help.Start(kSidecar, {"--help"}, {}, safe_.dir() / "help.log"));
  EXPECT_EQ(help.Wait(10), 0);
  EXPECT_NE(help.Log().find("VSECM_SIDECAR_POLL_INTERVAL"), std::string::npos);
  EXPECT_NE(help.Log().find("--svid-dir"), std::string::npos);
  DeliveryProcess bad;
  ASSERT_TRUE(bad.Start(kSidecar, {"--bogus"}, {}, safe_.dir() / "bad.log"));
  EXPECT_EQ(bad.Wait(10), 2);
  EXPECT_NE(bad.Log().find("unknown argument \"--bogus\""), std::string::npos) << bad.Log();
}

}  // namespace
}  // namespace vsecm::testing
