#include "secret_generator.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace vsecm::sentinel {
namespace {

std::string Gen(std::string_view pattern) {
  auto s = GenerateSecret(pattern);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::string(s->ExposeText()) : std::string();
}

TEST(SecretGeneratorTest, ReplacesEveryExpressionAndKeepsTheRest) {
  std::string out = Gen(R"({"user":"admin-[a-z0-9]{6}","pass":"[a-zA-Z0-9]{12}"})");
  EXPECT_TRUE(std::regex_match(out, std::regex(R"(\{"user":"admin-[a-z0-9]{6}","pass":"[a-zA-Z0-9]{12}"\})")))
      << out;
}

TEST(SecretGeneratorTest, RangesAreInclusive) {
  // VSecM drops a range's last character; here z and 9 can appear.
  std::set<char> seen;
  for (char c : Gen("[x-z]{600}")) seen.insert(c);
  EXPECT_EQ(seen, (std::set<char>{'x', 'y', 'z'}));
  seen.clear();
  for (char c : Gen("[8-9]{200}")) seen.insert(c);
  EXPECT_EQ(seen, (std::set<char>{'8', '9'}));
}

TEST(SecretGeneratorTest, ClassesAndVsecmAlphabetOrder) {
  EXPECT_TRUE(std::regex_match(Gen(R"([\d]{40})"), std::regex("[0-9]{40}")));
  const std::string symbols = Gen(R"([\x]{200})");
  for (char c : symbols) EXPECT_NE(std::string("!@#$%^&*()-_+={}[]|<>,.?/").find(c), std::string::npos);
  // a-Z spans every letter in VSecM's order (lower case first).
  EXPECT_TRUE(std::regex_match(Gen("[a-Z]{300}"), std::regex("[a-zA-Z]{300}")));
  EXPECT_EQ(Gen(R"([\w]{64})").size(), 64u);
  // A single character is itself.
  EXPECT_EQ(Gen("[q]{5}"), "qqqqq");
}

TEST(SecretGeneratorTest, OutputsDiffer) {
  EXPECT_NE(Gen(R"([\w]{32})"), Gen(R"([\w]{32})"));
}

TEST(SecretGeneratorTest, TextThatIsNotAnExpressionStaysLiteral) {
  EXPECT_EQ(Gen("[abc] {3} [a]{2}x"), "[abc] {3} aax");
  EXPECT_EQ(Gen("[a]{2}[b"), "aa[b");
}

TEST(SecretGeneratorTest, Errors) {
  EXPECT_NE(GenerateSecret("plain text").status().message().find("no generator expression"),
            std::string::npos);
  EXPECT_NE(GenerateSecret("pass[a-Z]{8").status().message().find("no generator expression"),
            std::string::npos);  // VSecM's own example of a broken pattern
  EXPECT_NE(GenerateSecret("[z-a]{8}").status().message().find("runs backwards"), std::string::npos);
  EXPECT_NE(GenerateSecret(R"([\q]{8})").status().message().find("unknown class"), std::string::npos);
  EXPECT_NE(GenerateSecret("[a]{0}").status().message().find("length must be"), std::string::npos);
  EXPECT_NE(GenerateSecret("[a]{99999999999999999999}").status().message().find("length must be"),
            std::string::npos);
  EXPECT_NE(GenerateSecret("[-a]{3}").status().message().find("a character on each side"),
            std::string::npos);
  // Errors never quote the pattern.
  EXPECT_EQ(GenerateSecret("topsecret[z-a]{8}").status().message().find("topsecret"),
            std::string::npos);
}

}  // namespace
}  // namespace vsecm::sentinel
