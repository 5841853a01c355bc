#include "sentinel_command.hpp"

#include <gtest/gtest.h>

namespace vsecm::sentinel {
namespace {

SentinelCommand Command(std::vector<std::string> workloads, const char* secret) {
  SentinelCommand c;
  c.workloads = std::move(workloads);
  if (secret != nullptr) {
    c.has_secret = true;
    c.secret = kernel::SecretBytes::CopyOf(std::string_view(secret));
  }
  return c;
}

std::string Why(const SentinelCommand& c) { return ValidateCommand(c).message(); }

TEST(SentinelCommandTest, VsecmInputRules) {
  EXPECT_TRUE(ValidateCommand(Command({"w"}, "v")).ok());
  // No workload and no -e: VSecM's "Please provide a workload name."
  EXPECT_NE(Why(Command({}, "v")).find("no workload given"), std::string::npos);
  // No secret and no -d: VSecM's "Please provide a secret."
  EXPECT_NE(Why(Command({"w"}, nullptr)).find("no secret given"), std::string::npos);
  // -e alone still needs the value to encrypt.
  SentinelCommand encrypt_only = Command({}, nullptr);
  encrypt_only.encrypt = true;
  EXPECT_NE(Why(encrypt_only).find("no secret given"), std::string::npos);
  encrypt_only.has_secret = true;
  EXPECT_TRUE(ValidateCommand(encrypt_only).ok());
}

TEST(SentinelCommandTest, DeleteNeedsAWorkloadButNoSecret) {
  SentinelCommand del = Command({"w"}, nullptr);
  del.delete_secret = true;
  EXPECT_TRUE(ValidateCommand(del).ok());
  del.workloads.clear();
  del.encrypt = true;  // gets past the workload rule, not past -d's own
  EXPECT_NE(Why(del).find("-d/--delete needs the workload"), std::string::npos);
}

TEST(SentinelCommandTest, FormatsAndDates) {
  SentinelCommand c = Command({"w"}, "v");
  for (const char* ok : {"json", "YAML", "Raw", "none", ""}) {
    c.format = ok;
    EXPECT_TRUE(ValidateCommand(c).ok()) << ok;
  }
  c.format = "xml";
  EXPECT_NE(Why(c).find("bad format \"xml\""), std::string::npos);
  c.format = "";
  c.expires = "soon";
  EXPECT_NE(Why(c).find("bad date: -E/--exp \"soon\""), std::string::npos);
  c.expires = "2030-01-01T00:00:00Z";
  c.not_before = "2031-01-01T00:00:00Z";
  EXPECT_NE(Why(c).find("is not after"), std::string::npos);
}

TEST(SentinelCommandTest, NormalizeFormat) {
  EXPECT_EQ(NormalizeFormat("JSON"), "json");
  EXPECT_EQ(NormalizeFormat("yaml"), "yaml");
  EXPECT_EQ(NormalizeFormat("RAW"), "raw");
  EXPECT_EQ(NormalizeFormat("None"), "");
  EXPECT_EQ(NormalizeFormat(""), "");
  EXPECT_FALSE(NormalizeFormat("toml").has_value());
}

}  // namespace
}  // namespace vsecm::sentinel
