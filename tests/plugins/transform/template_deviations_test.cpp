// Where this engine knowingly differs from Go 1.19's text/template, and why. Each expectation
// here is this engine's documented behaviour, not Go's.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

using ::testing::HasSubstr;

// Newer Go (1.22+) names both types; the engine follows the current source.
TEST(TemplateDeviationTest, IncompatibleComparisonNamesTypes) {
  auto r = testing::Execute("{{eq .port 8080}}", R"({"port":8080})");
  EXPECT_EQ(r.status.message(),
            "template: secret:1:2: executing \"secret\" at <eq .port 8080>: error calling eq: incompatible types "
            "for comparison: float64 and int");
}

// Go prints the value ("range can't iterate over s3cret"); a secret must not reach an error.
TEST(TemplateDeviationTest, RangeErrorNamesTheTypeNotTheValue) {
  auto r = testing::Execute("{{range .p}}x{{end}}", R"({"p":"s3cret"})");
  EXPECT_EQ(r.status.message(),
            "template: secret:1:8: executing \"secret\" at <.p>: range can't iterate over a value of type string");
}

// Go 1.22 added range over an integer; Go 1.23 added {{else with}}. Both are supported.
TEST(TemplateDeviationTest, NewerGoFeatures) {
  EXPECT_EQ(testing::Execute("{{range 3}}{{.}}{{end}}", "{}").out, "012");
  EXPECT_EQ(testing::Execute("{{with .x}}x{{else with .y}}{{.}}{{end}}", R"({"y":"why"})").out, "why");
}

// A secret template is one template: {{define}}, {{template}} and {{block}} are refused.
TEST(TemplateDeviationTest, NoNestedTemplates) {
  auto r = testing::Execute("{{define \"x\"}}y{{end}}", "{}");
  EXPECT_THAT(r.status.message(), HasSubstr("{{define}} is not supported"));
  EXPECT_THAT(testing::Execute("{{template \"x\"}}", "{}").status.message(), HasSubstr("{{template}} is not supported"));
}

// JSON data has no complex numbers; complex literals are refused at parse time.
TEST(TemplateDeviationTest, NoComplexNumbers) {
  EXPECT_THAT(testing::Execute("{{1i}}", "{}").status.message(), HasSubstr("complex numbers are not supported"));
}

// %p would print an address that changes between runs; it is treated as a bad verb.
TEST(TemplateDeviationTest, NoPointerVerb) {
  EXPECT_EQ(testing::Execute("{{printf \"%p\" .m}}", R"({"m":{"a":1}})").out, "%!p(map[string]interface {}=map[a:1])");
}

// Go's slice may reach past the length of a decoded array into its spare capacity, which
// depends on encoding/json's growth policy; here the capacity is the length.
TEST(TemplateDeviationTest, SliceCapacityIsTheLength) {
  auto r = testing::Execute("{{slice .l 0 4}}", R"({"l":[1,2,3]})");
  EXPECT_THAT(r.status.message(), HasSubstr("error calling slice: index out of range: 4"));
}

}  // namespace
}  // namespace vsecm::transform
