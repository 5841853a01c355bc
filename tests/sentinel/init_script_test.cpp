#include "init_script.hpp"

#include <gtest/gtest.h>

namespace vsecm::sentinel {
namespace {

TEST(InitScriptTest, VsecmChartExample) {
  // The example from VSecM's Sentinel chart (values.yaml, initCommand).
  InitScript s = ParseInitScript(R"(sleep:30001
--
w:keycloak-admin-secret,keycloak-db-secret
n:smo-app,web-app
s:gen:{"username":"admin-[a-z0-9]{6}","password":"[a-zA-Z0-9]{12}"}
t:{"KEYCLOAK_ADMIN_USER":"{{.username}}","KEYCLOAK_ADMIN_PASSWORD":"{{.password}}"}
--
w:k8s:keycloak-db-secret
n:smo-app
s:trigger-init
--
)");
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].sleep_ms, 30001);
  EXPECT_EQ(s.steps[0].line, 2);
  const SentinelCommand& c = s.steps[1].command;
  EXPECT_FALSE(s.steps[1].sleep_ms.has_value());
  EXPECT_EQ(c.workloads, (std::vector<std::string>{"keycloak-admin-secret", "keycloak-db-secret"}));
  EXPECT_EQ(c.namespaces, (std::vector<std::string>{"smo-app", "web-app"}));
  EXPECT_TRUE(c.has_secret);
  EXPECT_EQ(c.secret.ExposeText(),
            R"(gen:{"username":"admin-[a-z0-9]{6}","password":"[a-zA-Z0-9]{12}"})");
  EXPECT_EQ(c.template_text,
            R"({"KEYCLOAK_ADMIN_USER":"{{.username}}","KEYCLOAK_ADMIN_PASSWORD":"{{.password}}"})");
  EXPECT_EQ(s.steps[1].line, 7);
  // Only the first ':' splits: the workload keeps its k8s: prefix.
  EXPECT_EQ(s.steps[2].command.workloads, (std::vector<std::string>{"k8s:keycloak-db-secret"}));
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_FALSE(s.exit_seen);
}

TEST(InitScriptTest, EveryKey) {
  InitScript s = ParseInitScript(
      "w:a\nf:yaml\ne:true\nN:2030-01-01T00:00:00Z\nE:2031-01-01T00:00:00Z\n--\nw:b\nd:true\n--\n");
  ASSERT_EQ(s.steps.size(), 2u);
  const SentinelCommand& a = s.steps[0].command;
  EXPECT_EQ(a.format, "yaml");
  EXPECT_TRUE(a.encrypt);
  EXPECT_EQ(a.not_before, "2030-01-01T00:00:00Z");
  EXPECT_EQ(a.expires, "2031-01-01T00:00:00Z");
  EXPECT_FALSE(a.has_secret);
  EXPECT_TRUE(s.steps[1].command.delete_secret);
  EXPECT_EQ(s.steps[1].command.not_before, "now");
  EXPECT_EQ(s.steps[1].command.expires, "never");
}

TEST(InitScriptTest, LinesAreTrimmedButValuesKeepInnerText) {
  InitScript s = ParseInitScript("  w:a  \r\n\n\ts:x: y z \n  --  \n");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].command.workloads, (std::vector<std::string>{"a"}));
  EXPECT_EQ(s.steps[0].command.secret.ExposeText(), "x: y z");
}

TEST(InitScriptTest, ExitStopsAndLeavesTheOpenBlockUnapplied) {
  for (const char* exit_line : {"exit", "exit:true"}) {
    InitScript s = ParseInitScript(std::string("w:a\ns:1\n--\nw:b\ns:2\n") + exit_line +
                                   "\nw:c\ns:3\n--\n");
    ASSERT_EQ(s.steps.size(), 1u) << exit_line;
    EXPECT_EQ(s.steps[0].command.workloads, (std::vector<std::string>{"a"}));
    EXPECT_TRUE(s.exit_seen);
    EXPECT_TRUE(s.warnings.empty());
  }
}

TEST(InitScriptTest, WarningsNameLinesNotValues) {
  InitScript s = ParseInitScript("w:a\ns:supersecret\nq:1\njunk line\ni:AGE-SECRET-KEY-1X\n"
                                 "sleep:abc\n--\nw:b\ns:alsosecret\n");
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_EQ(s.steps[0].sleep_ms, 0);
  ASSERT_EQ(s.warnings.size(), 5u);
  EXPECT_EQ(s.warnings[0], "line 3: unknown command \"q\" ignored");
  EXPECT_EQ(s.warnings[1], "line 4: not a \"key:value\" line; skipped");
  EXPECT_NE(s.warnings[2].find("line 5: \"i\""), std::string::npos);
  EXPECT_EQ(s.warnings[3], "line 6: sleep needs milliseconds; sleeping 0 ms");
  EXPECT_NE(s.warnings[4].find("not closed by a \"--\" line"), std::string::npos);
  for (const auto& w : s.warnings) {
    EXPECT_EQ(w.find("secret"), std::string::npos) << w;
    EXPECT_EQ(w.find("AGE-SECRET"), std::string::npos) << w;
  }
}

TEST(InitScriptTest, EmptyAndBlankBlocks) {
  EXPECT_TRUE(ParseInitScript("").steps.empty());
  InitScript s = ParseInitScript("--\n--\n");
  ASSERT_EQ(s.steps.size(), 2u);
  EXPECT_TRUE(s.steps[0].command.workloads.empty());
  // VSecM splits with SplitN(",", -1): empty items stay for the Safe to refuse by name.
  EXPECT_EQ(ParseInitScript("w:a,,b\n--\n").steps[0].command.workloads,
            (std::vector<std::string>{"a", "", "b"}));
}

}  // namespace
}  // namespace vsecm::sentinel
