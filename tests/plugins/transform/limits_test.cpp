// Bounded execution: each hostile template meets a limit, named in the error, and quickly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

using ::testing::HasSubstr;

void ExpectExhausted(const testing::Result& r, const char* limit) {
  EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted) << r.status.ToString();
  EXPECT_THAT(r.status.message(), HasSubstr(limit));
}

TEST(LimitsTest, OutputSize) {
  Limits limits;
  limits.max_output_bytes = 1000;
  ExpectExhausted(testing::Execute("{{range 101}}0123456789{{end}}", "{}", limits), "max_output_bytes (1000)");
  EXPECT_TRUE(testing::Execute("{{range 100}}0123456789{{end}}", "{}", limits).status.ok());
  EXPECT_TRUE(testing::Execute("{{printf \"%990s\" \"x\"}}", "{}", limits).status.ok());
  ExpectExhausted(testing::Execute("{{printf \"%1001s\" \"x\"}}", "{}", limits), "max_output_bytes (1000)");
}

TEST(LimitsTest, NestedRangeIterations) {
  // 1000 x 1000 x 1000 iterations would take minutes; the limit stops it at 100000.
  std::string list = "[";
  for (int i = 0; i < 1000; ++i) list += i ? ",0" : "0";
  list += "]";
  auto r = testing::Execute("{{range .l}}{{range $.l}}{{range $.l}}{{end}}{{end}}{{end}}", R"({"l":)" + list + "}");
  ExpectExhausted(r, "max_iterations (100000)");
  Limits small;
  small.max_iterations = 10;
  ExpectExhausted(testing::Execute("{{range 11}}{{end}}", "{}", small), "max_iterations (10)");
  EXPECT_TRUE(testing::Execute("{{range 10}}{{end}}", "{}", small).status.ok());
}

TEST(LimitsTest, StringDoublingIsStopped) {
  auto r = testing::Execute("{{$s := \"xx\"}}{{range 64}}{{$s = printf \"%s%s\" $s $s}}{{end}}", "{}");
  ExpectExhausted(r, "max_output_bytes");
}

TEST(LimitsTest, WorkWithoutOutputIsBounded) {
  Limits limits;
  limits.max_output_bytes = 1 << 16;
  limits.max_iterations = 1000000;
  auto r = testing::Execute("{{$s := printf \"%60000s\" \"\"}}{{range 1000000}}{{if eq $s $s}}{{end}}{{end}}", "{}",
                            limits);
  ExpectExhausted(r, "bytes (32 times max_output_bytes)");
}

TEST(LimitsTest, TemplateNesting) {
  std::string deep;
  for (int i = 0; i < 65; ++i) deep += "{{if true}}";
  for (int i = 0; i < 65; ++i) deep += "{{end}}";
  ExpectExhausted(testing::Execute(deep, "{}"), "max_depth (64)");
  std::string parens = "{{" + std::string(65, '(') + "1" + std::string(65, ')') + "}}";
  ExpectExhausted(testing::Execute(parens, "{}"), "max_depth (64)");
  std::string ok;
  for (int i = 0; i < 64; ++i) ok += "{{with 1}}";
  ok += "x";
  for (int i = 0; i < 64; ++i) ok += "{{end}}";
  EXPECT_EQ(testing::Execute(ok, "{}").out, "x");
}

TEST(LimitsTest, ValueNesting) {
  std::string deep = "{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}";
  ExpectExhausted(testing::RenderValue(deep, "{{.a}}", "raw"), "the value nests deeper than max_depth (64)");
  ExpectExhausted(testing::RenderValue(deep, "", "yaml"), "nests deeper than max_depth (64)");
}

TEST(LimitsTest, TemplateLength) {
  Limits limits;
  limits.max_template_bytes = 100;
  ExpectExhausted(testing::RenderValue("{}", std::string(101, 'x'), "raw", limits), "max_template_bytes (100)");
  EXPECT_TRUE(testing::RenderValue("{}", std::string(100, 'x'), "raw", limits).status.ok());
}

TEST(LimitsTest, YamlOutput) {
  Limits limits;
  limits.max_output_bytes = 64;
  // Nested keys grow by their indentation in YAML: far more than the JSON they came from.
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "{\"a\":";
  deep += "1" + std::string(40, '}');
  ExpectExhausted(testing::RenderValue(deep, "", "yaml", limits), "max_output_bytes");
}

}  // namespace
}  // namespace vsecm::transform
