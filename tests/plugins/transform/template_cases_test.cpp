// The table of template cases. Every expected output was produced by Go's own text/template
// (Go 1.19, encoding/json into map[string]interface{}, template.New("secret").Parse, Execute)
// for exactly the template and data shown; cases where this engine deliberately differs from
// Go live in template_deviations_test.cpp instead.
#include <gtest/gtest.h>

#include <string>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

struct Case {
  const char* name;
  const char* tmpl;
  const char* json;
  const char* want;
};

constexpr const char* kData =
    "{\"user\":\"admin\",\"pass\":\"VSecMRocks\",\"port\":8080,\"ratio\":0.25,\"big\":1234567,\"on\":true,\"off\":false,\"nothing\":null,\"empty\":\"\",\"zero\":0,\"list\":[\"a\",\"b\",\"c\"],\"mixed\":[1,\"two\",true,null,{\"k\":\"v\"}],\"m\":{\"b\":2,\"a\":1,\"c\":3},\"nested\":{\"db\":{\"host\":\"db.local\",\"port\":5432}},\"key-with-dash\":\"dashed\",\"s\":\"a<b>&'c'\\\"d\\\"\",\"uni\":\"h\303\251llo\"}"
;

const Case kCases[] = {
    {"FieldsInJsonTemplate", "{\"USER\":\"{{.user}}\", \"PASS\":\"{{.pass}}\"}",
     kData, "{\"USER\":\"admin\", \"PASS\":\"VSecMRocks\"}"},
    {"NestedField", "{{.nested.db.host}}:{{.nested.db.port}}",
     kData, "db.local:5432"},
    {"IndexWithDashedKey", "{{index . \"key-with-dash\"}}",
     kData, "dashed"},
    {"IndexArrayWithInt", "{{index .list 1}}",
     kData, "b"},
    {"IndexNested", "{{index .nested \"db\" \"host\"}}",
     kData, "db.local"},
    {"IndexMissingMapKey", "{{index .m \"zz\"}}",
     kData, "<no value>"},
    {"IndexString", "{{index .s 0}}",
     kData, "97"},
    {"MissingKeyNoValue", "[{{.absent}}]",
     kData, "[<no value>]"},
    {"MissingKeyChain", "[{{.absent.deeper}}]",
     kData, "[<no value>]"},
    {"NullPrintsNoValue", "[{{.nothing}}]",
     kData, "[<no value>]"},
    {"DotPrintsMap", "{{.m}}",
     kData, "map[a:1 b:2 c:3]"},
    {"DotPrintsMixedSlice", "{{.mixed}}",
     kData, "[1 two true <nil> map[k:v]]"},
    {"DollarIsRoot", "{{with .nested}}{{$.user}}@{{.db.host}}{{end}}",
     kData, "admin@db.local"},
    {"ParenthesizedChain", "{{(index .nested \"db\").host}}",
     kData, "db.local"},
    {"JsonIntegerPrintsPlain", "{{.port}}",
     kData, "8080"},
    {"JsonLargeNumberUsesExponent", "{{.big}}",
     kData, "1.234567e+06"},
    {"JsonFraction", "{{.ratio}}",
     kData, "0.25"},
    {"PrintfDOnJsonNumberIsBadVerb", "{{printf \"%d\" .port}}",
     kData, "%!d(float64=8080)"},
    {"PrintfFloatFormats", "{{printf \"%.2f|%e|%g|%6.1f\" .ratio .big .big .ratio}}",
     kData, "0.25|1.234567e+06|1.234567e+06|   0.2"},
    {"NumberLiterals", "{{1}} {{1.5}} {{1e3}} {{0x1F}} {{'a'}} {{-7}}",
     "{}", "1 1.5 1000 31 97 -7"},
    {"BoolLiterals", "{{true}} {{false}}",
     "{}", "true false"},
    {"StringLiterals", "{{\"in\\tterp\"}}|{{`raw\\n`}}",
     "{}", "in\tterp|raw\\n"},
    {"IfTrue", "{{if .on}}yes{{else}}no{{end}}",
     kData, "yes"},
    {"IfFalseBool", "{{if .off}}yes{{else}}no{{end}}",
     kData, "no"},
    {"IfEmptyStringIsFalse", "{{if .empty}}yes{{else}}no{{end}}",
     kData, "no"},
    {"IfZeroIsFalse", "{{if .zero}}yes{{else}}no{{end}}",
     kData, "no"},
    {"IfNullIsFalse", "{{if .nothing}}yes{{else}}no{{end}}",
     kData, "no"},
    {"IfMissingIsFalse", "{{if .absent}}yes{{else}}no{{end}}",
     kData, "no"},
    {"IfEmptyListIsFalse", "{{if .e}}yes{{else}}no{{end}}",
     "{\"e\":[]}", "no"},
    {"IfEmptyMapIsFalse", "{{if .e}}yes{{else}}no{{end}}",
     "{\"e\":{}}", "no"},
    {"ElseIfChain", "{{if .off}}a{{else if .zero}}b{{else if .port}}c{{else}}d{{end}}",
     kData, "c"},
    {"WithSetsDot", "{{with .nested.db}}{{.host}}{{end}}",
     kData, "db.local"},
    {"WithElse", "{{with .empty}}x{{else}}fallback{{end}}",
     kData, "fallback"},
    {"WithDeclaresVariable", "{{with $h := .nested.db.host}}{{$h}}{{end}}",
     kData, "db.local"},
    {"RangeArray", "{{range .list}}[{{.}}]{{end}}",
     kData, "[a][b][c]"},
    {"RangeIndexValue", "{{range $i, $v := .list}}{{$i}}={{$v}};{{end}}",
     kData, "0=a;1=b;2=c;"},
    {"RangeMapSortedKeys", "{{range $k, $v := .m}}{{$k}}={{$v}};{{end}}",
     kData, "a=1;b=2;c=3;"},
    {"RangeMapValuesOnly", "{{range .m}}{{.}}{{end}}",
     kData, "123"},
    {"RangeElseOnEmpty", "{{range .e}}x{{else}}empty{{end}}",
     "{\"e\":[]}", "empty"},
    {"RangeOverMissingIsEmpty", "{{range .absent}}x{{else}}none{{end}}",
     kData, "none"},
    {"RangeBreakContinue", "{{range $i, $e := .list}}{{if eq $i 1}}{{continue}}{{end}}{{$e}}{{end}}|{{range .list}}{{.}}{{break}}{{end}}",
     kData, "ac|a"},
    {"RangeElementsAreObjects", "{{range .users}}{{.name}}:{{.role}},{{end}}",
     "{\"users\":[{\"name\":\"ann\",\"role\":\"admin\"},{\"name\":\"bob\",\"role\":\"dev\"}]}", "ann:admin,bob:dev,"},
    {"NestedRange", "{{range .rows}}{{range .}}{{.}}{{end}};{{end}}",
     "{\"rows\":[[1,2],[3]]}", "12;3;"},
    {"VariableDeclareAssign", "{{$x := .user}}{{$x}}{{$x = \"other\"}} {{$x}}",
     kData, "admin other"},
    {"VariableAssignedInsideIf", "{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}",
     "{}", "2"},
    {"DeclarationPrintsNothing", "[{{$x := .user}}]",
     kData, "[]"},
    {"PipelinePrintfQ", "{{.pass | printf \"%q\"}}",
     kData, "\"VSecMRocks\""},
    {"PipelineIntoLen", "{{.list | len}}",
     kData, "3"},
    {"PipelineFinalArgument", "{{.user | printf \"%s-%s\" \"pre\"}}",
     kData, "pre-admin"},
    {"ParenthesizedPipeline", "{{printf \"%d\" (len .list)}}",
     kData, "3"},
    {"TrimMarkers", "a  {{- .user -}}  b",
     kData, "aadminb"},
    {"TrimNewlines", "x\n  {{- \"y\" }}\n{{- /* gone */ -}}\n z",
     kData, "xyz"},
    {"CommentProducesNothing", "a{{/* a comment */}}b",
     "{}", "ab"},
    {"LenOfStringArrayMap", "{{len .uni}} {{len .list}} {{len .m}}",
     kData, "6 3 3"},
    {"PrintSpacing", "{{print \"a\" 1 2 \"b\" 3.5 true}}",
     "{}", "a1 2b3.5 true"},
    {"PrintNilArgument", "{{print .absent}}",
     kData, "<nil>"},
    {"Println", "{{println \"a\" 1}}",
     "{}", "a 1\n"},
    {"EqMultiArg", "{{eq .user \"root\" \"admin\"}} {{eq .user \"x\" \"y\"}}",
     kData, "true false"},
    {"EqFloatLiteralMatchesJsonNumber", "{{eq .port 8080.0}}",
     kData, "true"},
    {"NeLtLeGtGe", "{{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 1 2}} {{ge \"b\" \"a\"}}",
     "{}", "true true true false true"},
    {"EqNil", "{{eq .absent nil}} {{eq .user nil}}",
     kData, "true false"},
    {"AndOrReturnOperands", "{{and 1 0 \"x\"}} {{or 0 \"\" \"y\"}} {{and 1 2}} {{or 0 false}}",
     "{}", "0 y 2 false"},
    {"AndShortCircuits", "{{and .off .absent.x}}",
     kData, "false"},
    {"OrShortCircuits", "{{or .on (index .list 99)}}",
     kData, "true"},
    {"Not", "{{not 0}} {{not \"x\"}} {{not .absent}}",
     kData, "true false true"},
    {"Html", "{{html .s}}",
     kData, "a&lt;b&gt;&amp;&#39;c&#39;&#34;d&#34;"},
    {"HtmlOfMissing", "{{html .absent}}",
     kData, "&lt;no value&gt;"},
    {"Js", "{{js .s}}",
     kData, "a\\u003Cb\\u003E\\u0026\\'c\\'\\\"d\\\""},
    {"UrlQuery", "{{urlquery \"a b&c=d/\303\251\077\"}}",
     "{}", "a+b%26c%3Dd%2F%C3%A9%3F"},
    {"SliceStringAndArray", "{{slice .uni 0 1}}|{{slice .list 1}}",
     kData, "h|[b c]"},
    {"PrintfVerbs", "{{printf \"%s|%v|%q|%x|%X|%t|%%\" .user .on .user .user \"hi\" .off}}",
     kData, "admin|true|\"admin\"|61646d696e|6869|false|%"},
    {"PrintfWidthPrecisionFlags", "{{printf \"%5s|%-5s|%.2s|%05d|%+d|%x|%o|%#x\" \"ab\" \"ab\" \"abc\" 42 42 255 8 255}}",
     "{}", "   ab|ab   |ab|00042|+42|ff|10|0xff"},
    {"PrintfCharUnicode", "{{printf \"%c%c %U %q\" 72 105 65 65}}",
     "{}", "Hi U+0041 'A'"},
    {"PrintfMapAndSlice", "{{printf \"%v|%s|%d\" .m .list .m}}",
     kData, "map[a:1 b:2 c:3]|[a b c]|map[%!d(string=a):%!d(float64=1) %!d(string=b):%!d(float64=2) %!d(string=c):%!d(float64=3)]"},
    {"PrintfGoSyntaxAndType", "{{printf \"%#v|%T|%T\" .m .m .list}}",
     kData, "map[string]interface {}{\"a\":1, \"b\":2, \"c\":3}|map[string]interface {}|[]interface {}"},
    {"PrintfMissingAndExtra", "{{printf \"%s %s\" \"x\"}}|{{printf \"%d\" 1 2}}",
     "{}", "x %!s(MISSING)|1%!(EXTRA int=2)"},
    {"PrintfArgumentIndexAndStar", "{{printf \"%[2]s %[1]s|%*d|%.*s\" \"a\" \"b\" 4 7 2 \"xyz\"}}",
     "{}", "b a|%!(BADWIDTH)4|%!s(int=0000002)"},
    {"PrintfNil", "{{printf \"%v %d\" .absent .absent}}",
     kData, "<nil> %!d(<nil>)"},
    {"PrintfHexFloat", "{{printf \"%x\" .port}}",
     kData, "0x1.f9p+12"},
    {"PrintfRounding", "{{printf \"%.0f %.1f %.2f\" 2.5 0.05 1.005}}",
     "{}", "2 0.1 1.00"},
    {"PrintfShortestFloats", "{{printf \"%v %v %v %v\" 1e20 1e21 0.0001 0.00001}}",
     "{}", "1e+20 1e+21 0.0001 1e-05"},
    {"UnicodeAndEscapesInData", "{{.u}}|{{printf \"%q\" .u}}",
     "{\"u\":\"\\u00e9\\u0001\\ud83d\\ude00\"}", "\303\251\001\360\237\230\200|\"\303\251\\x01\360\237\230\200\""},
    {"DuplicateJsonKeyLastWins", "{{.a}}",
     "{\"a\":1,\"a\":2}", "2"},
};

class TemplateCaseTest : public ::testing::TestWithParam<Case> {};

TEST_P(TemplateCaseTest, RendersAsGoDoes) {
  const Case& c = GetParam();
  auto r = testing::Execute(c.tmpl, c.json);
  ASSERT_TRUE(r.status.ok()) << c.tmpl << " -> " << r.status.ToString();
  EXPECT_EQ(r.out, c.want) << c.tmpl;
}

INSTANTIATE_TEST_SUITE_P(Go, TemplateCaseTest, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(TemplateCaseTableTest, HasAtLeastSixtyCases) { EXPECT_GE(std::size(kCases), 60u); }

}  // namespace
}  // namespace vsecm::transform
