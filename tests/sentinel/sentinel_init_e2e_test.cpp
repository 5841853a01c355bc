// Sentinel's init command file and the manual root key, against a real `vsecm-safe dev`.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>

#include "sentinel_runner.hpp"

namespace vsecm::testing {
namespace {

class SentinelInitE2eTest : public ::testing::Test {
 protected:
  void Start() {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  }
  // As the workload `name` of namespace `ns` (a secret registered with namespaces is bound to
  // them).
  std::string Read(const std::string& name, const std::string& ns = "default") {
    auto c = ClientFor(ApiUrl(safe_), safe_.IssueSvid(WorkloadId(name, ns), name + "." + ns));
    if (!c.ok()) return "ERROR " + c.status().ToString();
    auto s = (*c)->Fetch();
    return s.ok() ? std::string(s->data.ExposeText()) : "ERROR " + s.status().ToString();
  }
  bool KeystoneReady() {
    auto c = ClientFor(ApiUrl(safe_), safe_.Sentinel());
    if (!c.ok()) return false;
    auto ready = (*c)->KeystoneReady();
    return ready.ok() && *ready;
  }
  std::string WriteInitFile(const std::string& text) {
    std::ofstream(safe_.dir() / "init-data") << text;
    return safe_.dir() / "init-data";
  }

  DevSafe safe_;
};

TEST_F(SentinelInitE2eTest, SeedsTheClusterOnceAndMarksTheKeystone) {
  Start();
  ASSERT_FALSE(KeystoneReady());
  const std::string file = WriteInitFile(R"(
w:db-secret,api-secret
n:smo-app
s:gen:{"password":"[a-zA-Z0-9]{12}"}
--
sleep:10
--
w:old-secret
s:to-be-deleted
--
w:old-secret
d:true
--
w:plain
s:plain value with spaces
E:2099-01-01T00:00:00Z
--
)");
  SentinelRun run = RunSentinel(safe_, {"init", "--file", file}, "",
                                {{"VSECM_SENTINEL_INIT_COMMAND_WAIT_BEFORE_EXEC", "10"}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_TRUE(KeystoneReady());
  const std::string db = Read("db-secret", "smo-app");
  EXPECT_TRUE(std::regex_match(db, std::regex(R"(\{"password":"[a-zA-Z0-9]{12}"\})"))) << db;
  EXPECT_EQ(Read("api-secret", "smo-app"), db);  // one value for both workloads of the block
  EXPECT_EQ(Read("old-secret").rfind("ERROR not found", 0), 0u);
  EXPECT_EQ(Read("plain"), "plain value with spaces");
  EXPECT_EQ(run.err.find("plain value"), std::string::npos) << run.err;

  // A second start changes nothing: the keystone says it ran.
  const std::string rewritten = WriteInitFile("w:plain\ns:changed\n--\n");
  SentinelRun again = RunSentinel(safe_, {"init", "--file", rewritten});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("nothing to do"), std::string::npos) << again.err;
  EXPECT_EQ(Read("plain"), "plain value with spaces");
}

TEST_F(SentinelInitE2eTest, TheFileComesFromTheEnvironmentAndExitStopsEarly) {
  Start();
  const std::string file = WriteInitFile("w:first\ns:1\n--\nexit:true\n--\nw:second\ns:2\n--\n");
  SentinelRun run = RunSentinel(safe_, {"init"}, "", {{"VSECM_SENTINEL_INIT_COMMAND_PATH", file}});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Read("first"), "1");
  EXPECT_EQ(Read("second").rfind("ERROR not found", 0), 0u);
  EXPECT_TRUE(KeystoneReady());
}

TEST_F(SentinelInitE2eTest, ABadBlockFailsWithItsLineAndLeavesNoKeystone) {
  Start();
  const std::string file = WriteInitFile("w:good\ns:1\n--\nw:bad\ns:2\nE:someday\n--\n");
  SentinelRun run = RunSentinel(safe_, {"init", "--file", file});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_NE(run.err.find("the block ending at line 7: bad date: -E/--exp"), std::string::npos)
      << run.err;
  EXPECT_EQ(Read("good"), "1");
  EXPECT_FALSE(KeystoneReady());  // the next start runs the file again
}

TEST_F(SentinelInitE2eTest, NoFileMeansNoCustomInitialization) {
  Start();
  SentinelRun run = RunSentinel(safe_, {"init", "--file", safe_.dir() / "absent"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.err.find("no init command file"), std::string::npos) << run.err;
  EXPECT_FALSE(KeystoneReady());  // as in VSecM
}

TEST_F(SentinelInitE2eTest, ManualRootKeyModeNotReadyUntilInputKeys) {
  safe_.SetEnv("VSECM_ROOT_KEY_INPUT_MODE_MANUAL", "true");
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  SentinelRun waiting = RunSentinel(safe_, {"-l"});
  EXPECT_EQ(waiting.exit_code, 1);
  EXPECT_EQ(LineCount(waiting.err), 1u) << waiting.err;
  EXPECT_EQ(waiting.err.rfind("vsecm-sentinel: the Safe is not ready: ", 0), 0u) << waiting.err;

  CommandResult key = Shell(fmt::format("{}/vsecm-keygen generate", VSECM_TEST_BIN_DIR));
  ASSERT_EQ(key.exit_code, 0) << key.out;
  SentinelRun bad = RunSentinel(safe_, {"-i", "-"}, "only one line\n");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("three lines"), std::string::npos) << bad.err;

  SentinelRun posted = RunSentinel(safe_, {"-i", "-"}, key.out);
  ASSERT_EQ(posted.exit_code, 0) << posted.err;
  EXPECT_EQ(posted.out, "OK\n");
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  EXPECT_EQ(RunSentinel(safe_, {"-w", "after-keys", "-s", "v"}).exit_code, 0);
  EXPECT_EQ(Read("after-keys"), "v");
}

TEST_F(SentinelInitE2eTest, InitWaitsForAManualModeSafe) {
  safe_.SetEnv("VSECM_ROOT_KEY_INPUT_MODE_MANUAL", "true");
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  const std::string file = WriteInitFile("w:seeded\ns:v\n--\n");
  const std::string keys = safe_.dir() / "root-key.txt";
  ASSERT_EQ(Shell(fmt::format("{}/vsecm-keygen generate -o {}", VSECM_TEST_BIN_DIR, Quote(keys)))
                .exit_code,
            0);
  // Init retries with the back-off while the Safe answers 503; the keys arrive meanwhile.
  std::thread operator_thread([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    RunSentinel(safe_, {"-i", keys});
  });
  SentinelRun run = RunSentinel(safe_, {"init", "--file", file}, "",
                                {{"VSECM_BACKOFF_DELAY", "50"},
                                 {"VSECM_BACKOFF_MAX_WAIT", "100"},
                                 {"VSECM_BACKOFF_MAX_RETRIES", "200"}});
  operator_thread.join();
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(Read("seeded"), "v");
  EXPECT_TRUE(KeystoneReady());
}

}  // namespace
}  // namespace vsecm::testing
