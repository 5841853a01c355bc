#include "cli_args.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace vsecm::sentinel {
namespace {

StatusOr<CliArgs> Parse(std::vector<std::string_view> args) { return ParseCliArgs(args); }

TEST(CliArgsTest, RepeatableWorkloadsAndNamespacesShortAndLong) {
  auto a = Parse({"-w", "a", "--workload", "b", "--workload=c", "-n", "x", "--namespace", "y",
                  "-s", "v"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->mode, CliMode::kCommand);
  EXPECT_EQ(a->command.workloads, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(a->command.namespaces, (std::vector<std::string>{"x", "y"}));
  EXPECT_TRUE(a->command.has_secret);
  EXPECT_EQ(a->command.secret.ExposeText(), "v");
}

TEST(CliArgsTest, DefaultsMatchVsecm) {
  auto a = Parse({"-w", "a", "-s", "v"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->command.not_before, "now");
  EXPECT_EQ(a->command.expires, "never");
  EXPECT_TRUE(a->command.namespaces.empty());  // "default" is filled in when sending
  EXPECT_FALSE(a->command.encrypt);
  EXPECT_FALSE(a->command.delete_secret);
}

TEST(CliArgsTest, AllValueFlagsLongForms) {
  auto a = Parse({"--workload", "w", "--secret", "s", "--template", "{{.a}}", "--format", "yaml",
                  "--exp", "2030-01-01T00:00:00Z", "--nbf", "2029-01-01T00:00:00Z",
                  "--encrypt"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->command.template_text, "{{.a}}");
  EXPECT_EQ(a->command.format, "yaml");
  EXPECT_EQ(a->command.expires, "2030-01-01T00:00:00Z");
  EXPECT_EQ(a->command.not_before, "2029-01-01T00:00:00Z");
  EXPECT_TRUE(a->command.encrypt);
}

TEST(CliArgsTest, ShortFlagsForEverything) {
  auto a = Parse({"-w", "w", "-s", "s", "-t", "T", "-f", "json", "-E", "never", "-N", "now", "-e"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->command.template_text, "T");
  EXPECT_EQ(a->command.format, "json");
  EXPECT_TRUE(a->command.encrypt);
}

TEST(CliArgsTest, SecretDashMeansStdinAndValuesAreMarkedForWiping) {
  auto a = Parse({"-w", "w", "-s", "-"});
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a->secret_from_stdin);
  EXPECT_TRUE(a->command.secret.empty());
  EXPECT_EQ(a->sensitive_args, (std::vector<size_t>{3}));

  auto b = Parse({"--secret=hunter2", "-w", "w"});
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->command.secret.ExposeText(), "hunter2");
  EXPECT_EQ(b->sensitive_args, (std::vector<size_t>{0}));
}

TEST(CliArgsTest, ASecretThatLooksLikeAFlagIsStillTheValue) {
  auto a = Parse({"-w", "w", "-s", "-l"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->mode, CliMode::kCommand);
  EXPECT_EQ(a->command.secret.ExposeText(), "-l");
}

TEST(CliArgsTest, ListModes) {
  auto plain = Parse({"-l"});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->mode, CliMode::kList);
  EXPECT_FALSE(plain->reveal);
  EXPECT_FALSE(plain->json);

  auto encrypted = Parse({"--list", "-e"});  // VSecM's `safe -l -e`
  ASSERT_TRUE(encrypted.ok());
  EXPECT_EQ(encrypted->mode, CliMode::kList);
  EXPECT_TRUE(encrypted->reveal);

  auto reveal = Parse({"--reveal", "--json"});
  ASSERT_TRUE(reveal.ok());
  EXPECT_EQ(reveal->mode, CliMode::kList);
  EXPECT_TRUE(reveal->reveal);
  EXPECT_TRUE(reveal->json);
}

TEST(CliArgsTest, JsonWithoutListIsRefused) {
  auto a = Parse({"--json", "-w", "a", "-s", "b"});
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("--json goes with -l"), std::string::npos);
}

TEST(CliArgsTest, InputKeysFileStdinOrInlineText) {
  auto file = Parse({"-i", "/tmp/key.txt"});
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(file->mode, CliMode::kInputKeys);
  EXPECT_EQ(file->input_keys, "/tmp/key.txt");

  auto in = Parse({"--input-keys", "-"});
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->input_keys, "-");

  auto text = Parse({"-i", "AGE-SECRET-KEY-1XYZ\nage1abc\n00ff"});
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(text->input_keys.empty());
  EXPECT_EQ(text->input_keys_text.ExposeText(), "AGE-SECRET-KEY-1XYZ\nage1abc\n00ff");
  EXPECT_EQ(text->sensitive_args, (std::vector<size_t>{1}));
}

TEST(CliArgsTest, ConnectionFlags) {
  auto a = Parse({"-l", "--safe-url", "https://127.0.0.1:1234/", "--svid-dir=/svid"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->client.safe_url, "https://127.0.0.1:1234/");
  EXPECT_EQ(a->client.identity.svid_dir, "/svid");
}

TEST(CliArgsTest, Errors) {
  struct Case {
    std::vector<std::string_view> args;
    std::string expected;
  } cases[] = {
      {{"-w"}, "-w/--workload needs a value"},
      {{"-x"}, "unknown flag \"-x\""},
      {{"--nope"}, "unknown flag \"--nope\""},
      {{"stray"}, "unexpected argument \"stray\""},
      {{"-s", "a", "-s", "b"}, "-s/--secret given more than once"},
      {{"-l=1"}, "unknown flag"},
      {{"--list=yes"}, "-l/--list takes no value"},
      {{"-w", ""}, "needs a non-empty name"},
      {{"--safe-url"}, "--safe-url needs a value"},
      {{"--svid-dir", "a", "--svid-dir", "b"}, "--svid-dir given more than once"},
  };
  for (const auto& c : cases) {
    auto a = ParseCliArgs(c.args);
    ASSERT_FALSE(a.ok()) << c.expected;
    EXPECT_NE(a.status().message().find(c.expected), std::string::npos)
        << a.status().message() << " vs " << c.expected;
  }
}

TEST(CliArgsTest, Help) {
  auto a = Parse({"-w", "x", "--help"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->mode, CliMode::kHelp);
  EXPECT_NE(std::string(kSentinelUsage).find("-s -"), std::string::npos);
}

TEST(CliArgsTest, InitSubcommand) {
  auto a = Parse({"init", "--file", "/etc/init", "--keep-running", "--safe-url=https://s:1/"});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->mode, CliMode::kInit);
  EXPECT_EQ(a->init_file, "/etc/init");
  EXPECT_TRUE(a->keep_running);
  EXPECT_EQ(a->client.safe_url, "https://s:1/");

  auto help = Parse({"init", "-h"});
  ASSERT_TRUE(help.ok());
  EXPECT_EQ(help->mode, CliMode::kHelp);
  EXPECT_TRUE(help->init_help);

  auto after_flags = Parse({"--svid-dir", "/svid", "init", "--file=/f"});
  ASSERT_TRUE(after_flags.ok()) << after_flags.status().ToString();
  EXPECT_EQ(after_flags->mode, CliMode::kInit);
  EXPECT_EQ(after_flags->client.identity.svid_dir, "/svid");
  EXPECT_EQ(after_flags->init_file, "/f");
  // Only connection flags may come before it; elsewhere "init" is a stray word.
  EXPECT_FALSE(Parse({"-l", "init"}).ok());
  EXPECT_FALSE(Parse({"init", "-w", "x"}).ok());
  EXPECT_FALSE(Parse({"init", "--file"}).ok());
}

}  // namespace
}  // namespace vsecm::sentinel
