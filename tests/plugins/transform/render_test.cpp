// The whole transform as VSecM's transform() does it: template, then format, then base64.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

using ::testing::HasSubstr;
using testing::RenderValue;

constexpr const char* kValue = R"({"username":"admin","password":"VSecMRocks","port":5432})";
constexpr const char* kTemplate = R"({"USER":"{{.username}}", "PASS":"{{.password}}"})";

TEST(RenderTest, JsonFormatServesTheTemplateOutputVerbatim) {
  auto r = RenderValue(kValue, kTemplate, "json");
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.out, R"({"USER":"admin", "PASS":"VSecMRocks"})");
}

TEST(RenderTest, EmptyFormatIsJson) {
  EXPECT_EQ(RenderValue(kValue, kTemplate, "").out, RenderValue(kValue, kTemplate, "json").out);
}

TEST(RenderTest, JsonFormatFallsBackToTheValueWhenTheOutputIsNotAnObject) {
  // VSecM: "If the parsed string is a valid JSON, return it as is. Otherwise ... return the
  // original JSON string."
  EXPECT_EQ(RenderValue(kValue, "{{.username}}", "json").out, kValue);
}

TEST(RenderTest, YamlFormatConvertsTheOutput) {
  auto r = RenderValue(kValue, kTemplate, "yaml");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.out, "PASS: VSecMRocks\nUSER: admin\n");
}

TEST(RenderTest, YamlWithoutTemplateConvertsTheValue) {
  EXPECT_EQ(RenderValue(kValue, "", "yaml").out, "password: VSecMRocks\nport: 5432\nusername: admin\n");
}

TEST(RenderTest, YamlOfNonJsonOutputIsTheOutput) {
  EXPECT_EQ(RenderValue(kValue, "user={{.username}}", "yaml").out, "user=admin");
}

TEST(RenderTest, RawFormatIsTheTemplateOutput) {
  EXPECT_EQ(RenderValue(kValue, "postgres://{{.username}}:{{.password}}@db:{{.port}}", "raw").out,
            "postgres://admin:VSecMRocks@db:5432");
  EXPECT_EQ(RenderValue(kValue, "{{.username}}", "none").out, "admin");
}

TEST(RenderTest, NonJsonValuePassesThroughUntransformed) {
  for (const char* format : {"", "json", "yaml", "raw"}) {
    auto r = RenderValue("just a password", "{{.username}}", format);
    ASSERT_TRUE(r.status.ok()) << format;
    EXPECT_EQ(r.out, "just a password") << format;
  }
}

TEST(RenderTest, JsonThatIsNotAnObjectPassesThrough) {
  EXPECT_EQ(RenderValue(R"(["a","b"])", "{{.x}}", "raw").out, R"(["a","b"])");
  EXPECT_EQ(RenderValue("42", "{{.x}}", "yaml").out, "42");
}

TEST(RenderTest, NullValueExecutesOverAnEmptyMap) {
  EXPECT_EQ(RenderValue("null", "[{{.x}}] {{.}} {{len .}}", "raw").out, "[<no value>] map[] 0");
  EXPECT_EQ(RenderValue("null", "", "yaml").out, "null\n");
}

TEST(RenderTest, ValueIsTrimmedAsVsecmDoes) {
  EXPECT_EQ(RenderValue("  \n secret\t\n", "", "raw").out, "secret");
  EXPECT_EQ(RenderValue("\n" + std::string(kValue) + "\n", "", "json").out, kValue);
}

TEST(RenderTest, NoTemplateNoFormatServesTheValue) {
  EXPECT_EQ(RenderValue(kValue, "", "").out, kValue);
  EXPECT_EQ(RenderValue("plain", "", "").out, "plain");
}

TEST(RenderTest, Base64Step) {
  EXPECT_EQ(RenderValue(kValue, "{{.password}}", "raw+base64").out, "VlNlY01Sb2Nrcw==");
  EXPECT_EQ(RenderValue(kValue, kTemplate, "json+base64").out,
            "eyJVU0VSIjoiYWRtaW4iLCAiUEFTUyI6IlZTZWNNUm9ja3MifQ==");
  EXPECT_EQ(RenderValue(kValue, kTemplate, "yaml+base64").out, "UEFTUzogVlNlY01Sb2NrcwpVU0VSOiBhZG1pbgo=");
  EXPECT_EQ(RenderValue("ab", "", "base64").out, "YWI=");
  EXPECT_EQ(RenderValue("abc", "", "base64").out, "YWJj");
}

TEST(RenderTest, LongBase64IsStreamedInPieces) {
  std::string value(5000, 'x');
  auto r = RenderValue(value, "", "raw+base64");
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.out.size(), (value.size() + 2) / 3 * 4);
  EXPECT_EQ(r.out.substr(0, 8), "eHh4eHh4");
}

TEST(RenderTest, UnknownFormatIsRefused) {
  auto r = RenderValue(kValue, "", "xml");
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status.message(), HasSubstr("unknown format \"xml\""));
  EXPECT_FALSE(RenderValue(kValue, "", "JSON").status.ok());
  EXPECT_FALSE(RenderValue(kValue, "", "json+base32").status.ok());
}

TEST(RenderTest, BadTemplateIsAnErrorEvenForANonJsonValue) {
  // VSecM fell back to the value; here the operator hears about it and nothing is stored.
  for (const char* value : {kValue, "not json"}) {
    auto r = RenderValue(value, "{{.username", "json");
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status.message(), "template: secret:1:11: unclosed action");
  }
}

TEST(RenderTest, ExecutionErrorIsAnError) {
  auto r = RenderValue(kValue, "{{index .username 99}}", "json");
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(r.status.message(), HasSubstr("error calling index: index out of range: 99"));
  EXPECT_THAT(r.status.message(), ::testing::Not(HasSubstr("admin")));
}

TEST(RenderTest, MissingKeyRendersAsGoDoes) {
  // VSecM's removeKeyValueWithNoValue filter is not reproduced (see render.hpp).
  EXPECT_EQ(RenderValue(kValue, R"({"USER":"{{.user}}"})", "raw").out, R"({"USER":"<no value>"})");
}

TEST(ParseFormatTest, Spellings) {
  EXPECT_EQ(ParseFormat("")->base, BaseFormat::kJson);
  EXPECT_EQ(ParseFormat("yaml")->base, BaseFormat::kYaml);
  EXPECT_EQ(ParseFormat("none")->base, BaseFormat::kRaw);
  EXPECT_TRUE(ParseFormat("yaml+base64")->base64);
  EXPECT_EQ(ParseFormat("base64")->base, BaseFormat::kJson);
  EXPECT_FALSE(ParseFormat("+base64").ok());
}

}  // namespace
}  // namespace vsecm::transform
