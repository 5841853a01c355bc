// Issue 6's end-to-end test: Sentinel registers secrets with templates and formats against a
// running `vsecm-safe dev` (with the vsecm-transform plugin), and a workload reading through
// mutual TLS receives exactly the rendered output — for every format, for updates and delete.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>

#include "sentinel_runner.hpp"

namespace vsecm::testing {
namespace {

constexpr const char* kValue = R"({"username":"admin","password":"s3cret","port":5432})";

class SentinelTemplateE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-transform.so"))
        << "the transform plugin is not built";
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  }
  std::string Read(const std::string& name) {
    auto c = ClientFor(ApiUrl(safe_), safe_.IssueSvid(WorkloadId(name), name));
    if (!c.ok()) return "ERROR " + c.status().ToString();
    auto s = (*c)->Fetch();
    return s.ok() ? std::string(s->data.ExposeText()) : "ERROR " + s.status().ToString();
  }
  void Register(const std::vector<std::string>& args) {
    SentinelRun r = RunSentinel(safe_, args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  DevSafe safe_;
};

TEST_F(SentinelTemplateE2eTest, JsonFormat) {
  Register({"-w", "app-json", "-s", kValue, "-t",
            R"({"USER":"{{.username}}","PASS":"{{.password}}"})", "-f", "json"});
  EXPECT_EQ(Read("app-json"), R"({"USER":"admin","PASS":"s3cret"})");
}

TEST_F(SentinelTemplateE2eTest, YamlFormatSortsKeysAsGoDoes) {
  Register({"-w", "app-yaml", "-s", kValue, "-t",
            R"({"USER":"{{.username}}","PASS":"{{.password}}","PORT":{{.port}}})", "-f", "yaml"});
  EXPECT_EQ(Read("app-yaml"), "PASS: s3cret\nPORT: 5432\nUSER: admin\n");
  // Without a template the value itself, nested, in YAML.
  Register({"-w", "app-nested", "-s", R"({"z":1,"a":{"y":true,"b":"x"},"m":[1,"two"]})", "-f",
            "YAML"});
  // yaml.v3 indents by four and quotes "y", which YAML 1.1 reads as a boolean.
  EXPECT_EQ(Read("app-nested"), "a:\n    b: x\n    \"y\": true\nm:\n    - 1\n    - two\nz: 1\n");
}

TEST_F(SentinelTemplateE2eTest, RawFormatAndGoTemplateFeatures) {
  Register({"-w", "app-raw", "-s", kValue, "-t", "{{.username}}:{{.password}}@db:{{.port}}", "-f",
            "raw"});
  EXPECT_EQ(Read("app-raw"), "admin:s3cret@db:5432");
  Register({"-w", "app-go", "-s", R"({"items":{"b":2,"a":1},"on":true,"name":"x-y"})", "-t",
            R"({{range $k, $v := .items}}{{$k}}={{$v}};{{end}}{{if .on}}on{{else}}off{{end}} {{index . "name" | printf "%q"}} {{.missing}})",
            "-f", "raw"});
  EXPECT_EQ(Read("app-go"), R"(a=1;b=2;on "x-y" <no value>)");
}

TEST_F(SentinelTemplateE2eTest, AValueThatIsNotJsonPassesThrough) {
  Register({"-w", "app-text", "-s", "just text", "-t", "{{.username}}", "-f", "yaml"});
  EXPECT_EQ(Read("app-text"), "just text");
}

TEST_F(SentinelTemplateE2eTest, UpdatesAndDeleteReachTheWorkload) {
  const std::vector<std::string> shape = {"-t", R"({"PASS":"{{.password}}"})", "-f", "yaml"};
  std::vector<std::string> first = {"-w", "app-up", "-s", kValue};
  first.insert(first.end(), shape.begin(), shape.end());
  Register(first);
  EXPECT_EQ(Read("app-up"), "PASS: s3cret\n");
  std::vector<std::string> second = {"-w", "app-up", "-s", R"({"password":"rotated"})"};
  second.insert(second.end(), shape.begin(), shape.end());
  Register(second);
  EXPECT_EQ(Read("app-up"), "PASS: rotated\n");
  Register({"-d", "-w", "app-up"});
  EXPECT_EQ(Read("app-up").rfind("ERROR not found", 0), 0u);
}

TEST_F(SentinelTemplateE2eTest, ABadTemplateIsOneLineNamingLineAndColumnAndStoresNothing) {
  SentinelRun r = RunSentinel(safe_, {"-w", "app-bad", "-s", kValue, "-t", "{{.username", "-f",
                                      "json"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(LineCount(r.err), 1u) << r.err;
  EXPECT_TRUE(std::regex_search(r.err, std::regex("\\b1:\\d+"))) << r.err;
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
  EXPECT_EQ(Read("app-bad").rfind("ERROR not found", 0), 0u);
}

TEST_F(SentinelTemplateE2eTest, InitFileWithTemplatesAndFormats) {
  std::ofstream(safe_.dir() / "init") << "w:seeded-json,seeded-copy\n"
                                         "s:" << kValue << "\n"
                                         "t:{\"U\":\"{{.username}}\"}\n"
                                         "f:yaml\n"
                                         "--\n";
  SentinelRun r = RunSentinel(safe_, {"init", "--file", safe_.dir() / "init"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Read("seeded-json"), "U: admin\n");
  EXPECT_EQ(Read("seeded-copy"), "U: admin\n");
}

}  // namespace
}  // namespace vsecm::testing
