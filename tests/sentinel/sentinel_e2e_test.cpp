// vsecm-sentinel, the binary, against a real `vsecm-safe dev` on loopback; workloads read what
// it registered through the client library over mutual TLS.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <regex>

#include "sentinel_runner.hpp"

namespace vsecm::testing {
namespace {

class SentinelE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  }
  SentinelRun Run(const std::vector<std::string>& args, const std::string& input = "") {
    return RunSentinel(safe_, args, input);
  }
  // What the workload `name` reads, or the failure as "ERROR <code>: message".
  // As the workload `name` of namespace `ns` (a secret registered with namespaces is bound to
  // them).
  std::string Read(const std::string& name, const std::string& ns = "default") {
    auto c = ClientFor(ApiUrl(safe_), safe_.IssueSvid(WorkloadId(name, ns), name + "." + ns));
    if (!c.ok()) return "ERROR " + c.status().ToString();
    auto s = (*c)->Fetch();
    if (!s.ok()) return "ERROR " + s.status().ToString();
    return std::string(s->data.ExposeText());
  }

  DevSafe safe_;
};

#define EXPECT_RUN_OK(run)                                           \
  do {                                                               \
    const SentinelRun& r_ = (run);                                   \
    EXPECT_EQ(r_.exit_code, 0) << "stdout: " << r_.out << "\nstderr: " << r_.err; \
  } while (0)

TEST_F(SentinelE2eTest, UpsertListRevealDelete) {
  SentinelRun plain = Run({"-w", "app", "-s", "plain-value"});
  EXPECT_RUN_OK(plain);
  EXPECT_EQ(plain.out, "OK\n");
  EXPECT_RUN_OK(Run({"--workload", "app2", "-n", "ns1", "--namespace", "ns2", "-s", "v2", "-E",
                     "2099-01-01T00:00:00Z", "-N", "2000-01-01T00:00:00Z"}));
  EXPECT_EQ(Read("app"), "plain-value");
  EXPECT_EQ(Read("app2", "ns1"), "v2");
  EXPECT_EQ(Read("app2", "ns2"), "v2");
  EXPECT_NE(Read("app2").find("not found"), std::string::npos);  // bound to ns1 and ns2

  SentinelRun table = Run({"-l"});
  EXPECT_RUN_OK(table);
  EXPECT_EQ(LineCount(table.out), 3u) << table.out;
  EXPECT_EQ(table.out.rfind("NAME", 0), 0u);
  EXPECT_NE(table.out.find("NOT BEFORE"), std::string::npos);
  EXPECT_TRUE(std::regex_search(table.out, std::regex("\napp +\\S+ +\\S+ +- +never\n"))) << table.out;
  EXPECT_TRUE(std::regex_search(
      table.out, std::regex("\napp2 +\\S+ +\\S+ +2000-01-01T00:00:00.000Z +2099-01-01T00:00:00.000Z\n")))
      << table.out;
  EXPECT_EQ(table.out.find("plain-value"), std::string::npos);

  SentinelRun json = Run({"--list", "--json"});
  EXPECT_RUN_OK(json);
  auto doc = nlohmann::json::parse(json.out);
  ASSERT_EQ(doc["secrets"].size(), 2u);
  for (const auto& s : doc["secrets"]) EXPECT_FALSE(s.contains("value"));

  SentinelRun revealed = Run({"-l", "-e"});
  EXPECT_RUN_OK(revealed);
  EXPECT_NE(revealed.out.find("VALUE (age, encrypted)"), std::string::npos) << revealed.out;
  SentinelRun revealed_json = Run({"--reveal", "--json"});
  EXPECT_RUN_OK(revealed_json);
  auto enc = nlohmann::json::parse(revealed_json.out);
  EXPECT_EQ(enc["algorithm"], "age");
  for (const auto& s : enc["secrets"]) EXPECT_FALSE(s["value"].get<std::string>().empty());
  EXPECT_EQ(revealed_json.out.find("plain-value"), std::string::npos);

  SentinelRun del = Run({"-d", "-w", "app"});
  EXPECT_RUN_OK(del);
  EXPECT_EQ(Read("app").rfind("ERROR not found", 0), 0u);
  EXPECT_EQ(nlohmann::json::parse(Run({"-l", "--json"}).out)["secrets"].size(), 1u);
}

TEST_F(SentinelE2eTest, EncryptOnlyThenStoreTheCipherText) {
  SentinelRun encrypted = Run({"-e", "-s", "-"}, "kept-in-git\n");
  EXPECT_RUN_OK(encrypted);
  ASSERT_EQ(LineCount(encrypted.out), 1u);
  const std::string cipher = encrypted.out.substr(0, encrypted.out.size() - 1);
  EXPECT_EQ(cipher.find("kept-in-git"), std::string::npos);
  SentinelRun empty = Run({"-l"});
  EXPECT_RUN_OK(empty);
  EXPECT_EQ(empty.out, "");
  EXPECT_EQ(empty.err, "no secrets registered\n");

  EXPECT_RUN_OK(Run({"-e", "-w", "from-git", "-s", cipher}));
  EXPECT_EQ(Read("from-git"), "kept-in-git");
}

TEST_F(SentinelE2eTest, SecretsFromStdinAndGenerated) {
  EXPECT_RUN_OK(Run({"-w", "multi", "-s", "-"}, "line1\nline2\n"));
  EXPECT_EQ(Read("multi"), "line1\nline2");
  EXPECT_RUN_OK(Run({"-w", "generated", "-s", R"(gen:{"user":"admin-[a-z0-9]{6}","pass":"[\w]{16}"})"}));
  const std::string value = Read("generated");
  EXPECT_TRUE(std::regex_match(value, std::regex(R"(\{"user":"admin-[a-z0-9]{6}","pass":".{16}"\})")))
      << value;
}

TEST_F(SentinelE2eTest, EveryErrorIsOneLineWithANonZeroExit) {
  auto one_line = [](const SentinelRun& r, const std::string& expected, int code) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(LineCount(r.err), 1u) << r.err;
    EXPECT_EQ(r.err.rfind("vsecm-sentinel: ", 0), 0u) << r.err;
    EXPECT_NE(r.err.find(expected), std::string::npos) << r.err << " vs " << expected;
    EXPECT_EQ(r.out, "");
  };
  const ClosedPort port;
  const std::string closed = "https://127.0.0.1:" + std::to_string(port.port()) + "/";
  one_line(RunSentinel(safe_, {"--safe-url", closed, "--svid-dir", safe_.Sentinel(), "-l"}, "", {},
                       /*connection=*/false),
           "cannot reach the Safe at " + closed, 1);
  one_line(Run({"-w", "a", "-s", "b", "-E", "tomorrow"}), "bad date: -E/--exp \"tomorrow\"", 2);
  one_line(Run({"-w", "a", "-s", "b", "-N", "2030-02-30T00:00:00Z"}), "bad date: -N/--nbf", 2);
  one_line(Run({"-w", "a"}), "no secret given", 2);
  one_line(Run({"-s", "a"}), "no workload given", 2);
  one_line(Run({"-w", "a", "-s", "b", "-f", "xml"}), "bad format", 2);
  one_line(Run({"--bogus"}), "unknown flag \"--bogus\"", 2);
  const std::string workload_svid = safe_.IssueSvid(WorkloadId("intruder"), "intruder");
  one_line(RunSentinel(safe_, {"--safe-url", ApiUrl(safe_), "--svid-dir", workload_svid, "-w", "x",
                               "-s", "y"},
                       "", {}, /*connection=*/false),
           "the Safe refused our identity: " + WorkloadId("intruder"), 1);
  // The Safe's own refusal of a request, relayed.
  one_line(Run({"-e", "-w", "a", "-s", "this is not cipher text"}), "value:", 1);
}

TEST_F(SentinelE2eTest, SecretValuesStayOutOfArgvAndOutput) {
  // Neither a success nor a refusal echoes the value.
  SentinelRun r = Run({"-w", "quiet", "-s", "do-not-echo-me"});
  EXPECT_RUN_OK(r);
  EXPECT_EQ(r.out.find("do-not-echo-me"), std::string::npos);
  EXPECT_EQ(r.err.find("do-not-echo-me"), std::string::npos);
  SentinelRun failed = Run({"-w", "bad name/", "-s", "do-not-echo-me"});
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_EQ(failed.err.find("do-not-echo-me"), std::string::npos) << failed.err;
}

}  // namespace
}  // namespace vsecm::testing
