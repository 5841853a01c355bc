// Parse and execution errors. The messages are Go's (checked against Go 1.19's text/template
// for the same template and data) with the column added to the location: Go's parse errors
// say "secret:LINE:", these say "secret:LINE:COL:" (COL counted in bytes from 0, as Go's
// execution errors count it). Error messages never contain a value from the data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kData =
    R"({"a":{"b":1},"n":5,"s":"ab<c>","l":["x",[1,2]],"z":null})";

void ExpectError(const char* tmpl, const std::string& want, const char* json = kData) {
  auto r = testing::Execute(tmpl, json);
  ASSERT_FALSE(r.status.ok()) << tmpl << " rendered " << r.out;
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << tmpl;
  EXPECT_EQ(r.status.message(), want) << tmpl;
}

TEST(TemplateParseErrorTest, UnclosedAction) { ExpectError("{{.a", "template: secret:1:4: unclosed action"); }
TEST(TemplateParseErrorTest, EmptyAction) { ExpectError("{{}}", "template: secret:1:2: missing value for command"); }
TEST(TemplateParseErrorTest, DashInFieldNeedsIndex) {
  ExpectError("{{.a-b}}", "template: secret:1:2: bad character U+002D '-'");
}
TEST(TemplateParseErrorTest, StrayEnd) { ExpectError("{{end}}", "template: secret:1:5: unexpected {{end}}"); }
TEST(TemplateParseErrorTest, MissingEnd) { ExpectError("{{if .a}}x", "template: secret:1:10: unexpected EOF"); }
TEST(TemplateParseErrorTest, UndefinedFunction) {
  ExpectError("{{foo .a}}", "template: secret:1:2: function \"foo\" not defined");
}
TEST(TemplateParseErrorTest, UndefinedVariable) {
  ExpectError("{{$x}}", "template: secret:1:2: undefined variable \"$x\"");
}
TEST(TemplateParseErrorTest, UnterminatedString) {
  ExpectError("{{\"unterminated}}", "template: secret:1:2: unterminated quoted string");
}
TEST(TemplateParseErrorTest, CommentMustEndTheAction) {
  ExpectError("{{/* c */ x}}", "template: secret:1:2: comment ends before closing delimiter");
}
TEST(TemplateParseErrorTest, NonExecutablePipelineStage) {
  ExpectError("{{.a | 3}}", "template: secret:1:8: non executable command in pipeline stage 2");
}
TEST(TemplateParseErrorTest, UnclosedParen) { ExpectError("{{(.a}}", "template: secret:1:5: unclosed left paren"); }
TEST(TemplateParseErrorTest, BreakOutsideRange) {
  ExpectError("{{break}}", "template: secret:1:7: {{break}} outside {{range}}");
}
TEST(TemplateParseErrorTest, NamesTheLineAndColumn) {
  ExpectError("line1\nline2 {{.a.b c}}", "template: secret:2:13: function \"c\" not defined");
}
TEST(TemplateParseErrorTest, BadNumbers) {
  ExpectError("{{3.a}}", "template: secret:1:2: bad number syntax: \"3.a\"");
  ExpectError("{{99999999999999999999}}", "template: secret:1:2: integer overflow: \"99999999999999999999\"");
  ExpectError("{{'ab'}}", "template: secret:1:2: malformed character constant: 'ab'");
}

TEST(TemplateExecErrorTest, WrongArgumentCount) {
  ExpectError("{{len 1 2}}", "template: secret:1:2: executing \"secret\" at <len>: wrong number of args for len: want 1 got 2");
}
TEST(TemplateExecErrorTest, PrintfFormatMustBeAString) {
  ExpectError("{{printf 3}}", "template: secret:1:9: executing \"secret\" at <3>: expected string; found 3");
  ExpectError("{{printf .n}}",
              "template: secret:1:9: executing \"secret\" at <.n>: wrong type for value; expected string; got float64");
}
TEST(TemplateExecErrorTest, FieldOfAScalar) {
  ExpectError("{{.a.b.c}}",
              "template: secret:1:4: executing \"secret\" at <.a.b.c>: can't evaluate field c in type interface {}");
}
TEST(TemplateExecErrorTest, FieldOfNull) {
  ExpectError("{{.z.x}}", "template: secret:1:4: executing \"secret\" at <.z.x>: nil pointer evaluating interface {}.x");
}
TEST(TemplateExecErrorTest, IndexErrors) {
  ExpectError("{{index .n 0}}",
              "template: secret:1:2: executing \"secret\" at <index .n 0>: error calling index: can't index item of type float64");
  ExpectError("{{index .l 5}}",
              "template: secret:1:2: executing \"secret\" at <index .l 5>: error calling index: index out of range: 5");
  ExpectError("{{index . 1}}",
              "template: secret:1:2: executing \"secret\" at <index . 1>: error calling index: value has type int; should be string");
}
TEST(TemplateExecErrorTest, LenOfMissingKey) {
  ExpectError("{{len .missing}}",
              "template: secret:1:2: executing \"secret\" at <len .missing>: error calling len: reflect: call of "
              "reflect.Value.Type on zero Value");
}
TEST(TemplateExecErrorTest, NilIsNotACommand) {
  ExpectError("{{nil}}", "template: secret:1:2: executing \"secret\" at <nil>: nil is not a command");
}
TEST(TemplateExecErrorTest, ComparingMapsIsInvalid) {
  ExpectError("{{lt .a .a}}", "template: secret:1:2: executing \"secret\" at <lt .a .a>: error calling lt: invalid type for comparison");
}
TEST(TemplateExecErrorTest, ContextIsTheWholeNode) {
  ExpectError("{{printf \"%s\" .aaaaaaaaaaaa.bbbbbbbbbbbb.c}}",
              "template: secret:1:27: executing \"secret\" at <.aaaaaaaaaaaa.bbbbbbbbbbbb.c>: can't evaluate field c in "
              "type interface {}",
              R"({"aaaaaaaaaaaa":{"bbbbbbbbbbbb":"x"}})");
}

// Go prints values in some messages ("range can't iterate over <value>", eq's "non-comparable
// type <value>"); these never do. Checked with a canary in every value of the data.
TEST(TemplateExecErrorTest, MessagesNeverContainValues) {
  constexpr const char* kCanaryData =
      R"({"s":"CANARY-s3cr3t","n":4242.5,"m":{"k":"CANARY-s3cr3t"},"l":["CANARY-s3cr3t"],"b":true})";
  const char* templates[] = {
      "{{range .s}}{{end}}",       "{{range .n}}{{end}}",        "{{eq .m .l}}",
      "{{eq .l .l}}",              "{{lt .s .n}}",               "{{.s.x}}",
      "{{index .s 99}}",           "{{index .m 1}}",             "{{slice .s 9 1}}",
      "{{len .n}}",                "{{printf .n}}",              "{{printf .b}}",
      "{{call .s}}",               "{{.s 1}}",                   "{{range .b}}{{end}}",
      "{{index .l 1.5}}",          "{{eq .s 1}}",                "{{.n | printf .s | len | not | index .m}}",
  };
  for (const char* t : templates) {
    auto r = testing::Execute(t, kCanaryData);
    ASSERT_FALSE(r.status.ok()) << t;
    EXPECT_THAT(r.status.message(), Not(HasSubstr("CANARY"))) << t;
    EXPECT_THAT(r.status.message(), Not(HasSubstr("4242"))) << t;
    EXPECT_THAT(r.status.message(), HasSubstr("template: secret:1:")) << t;
  }
}

}  // namespace
}  // namespace vsecm::transform
