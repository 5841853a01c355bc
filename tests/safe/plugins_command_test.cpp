// `vsecm-safe plugins`, run as an operator runs it: a real process, its output and exit status.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace {

using ::testing::HasSubstr;
using vsecm::testing::TempDir;

struct Result {
  int exit_code;
  std::string out;  // stdout and stderr
};

Result RunSafe(const std::string& args) {
  std::string command = fmt::format("env -u VSECM_CONFIG_FILE -u VSECM_PLUGIN_DIR '{}/vsecm-safe' {} 2>&1",
                                    VSECM_TEST_BIN_DIR, args);
  Result r{-1, ""};
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(PluginsCommandTest, ListsTheBuiltPluginsBesideTheBinary) {
  Result r = RunSafe("plugins");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("(production mode)"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("vsecm-crypto-age +crypto +1\\.0\\.0 +1\\.0 +[0-9a-f]{64}"));
  EXPECT_THAT(r.out, ::testing::ContainsRegex("vsecm-crypto-aes +crypto +1\\.0\\.0 +1\\.0 +[0-9a-f]{64}"));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("REFUSED")));
}

TEST(PluginsCommandTest, SaysWhyEachBadFileWasRefused) {
  Result r = RunSafe(fmt::format("plugins --plugin-dir '{}'", VSECM_TEST_FIXTURE_DIR));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("recording-store        store"));
  EXPECT_THAT(r.out, HasSubstr("test-wrong-abi.so: built for plugin ABI 2.0, this Safe speaks ABI 1.0"));
  EXPECT_THAT(r.out, HasSubstr("test-no-entry.so: has no entry symbol vsecm_plugin_entry_v1"));
}

TEST(PluginsCommandTest, PrintsJsonForMachines) {
  Result r = RunSafe(fmt::format("plugins --json --plugin-dir '{}'", VSECM_TEST_FIXTURE_DIR));
  EXPECT_EQ(r.exit_code, 1);
  auto json = nlohmann::json::parse(r.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(json.is_array()) << r.out;
  int refused = 0;
  for (const auto& e : json) {
    EXPECT_EQ(e["sha256"].get<std::string>().size(), 64u);
    if (e.contains("refused")) {
      ++refused;
    } else {
      EXPECT_EQ(e["abi"], "1.0");
    }
  }
  EXPECT_EQ(refused, 2);
}

TEST(PluginsCommandTest, ABadConfigurationNamesTheKeyAndExits2) {
  TempDir dir;
  {
    std::ofstream config(dir / "safe.yaml");
    config << "mode: production\nplugins:\n  crypto:\n    nmae: vsecm-crypto-age\n";
  }
  Result r = RunSafe(fmt::format("plugins --config '{}'", dir / "safe.yaml"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_THAT(r.out, HasSubstr("plugins.crypto.nmae"));
}

TEST(PluginsCommandTest, UnknownArgumentsAndCommandsAreUsageErrors) {
  EXPECT_EQ(RunSafe("plugins --frobnicate").exit_code, 2);
  EXPECT_EQ(RunSafe("nonsense").exit_code, 2);
  Result help = RunSafe("plugins --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: vsecm-safe plugins"));
}

}  // namespace
