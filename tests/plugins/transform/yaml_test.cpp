// YAML output. Every expected document was produced by gopkg.in/yaml.v3 (3.0.1)'s
// yaml.Marshal of the value encoding/json decodes from the same JSON, as VSecM's JsonToYaml
// does.
#include <gtest/gtest.h>

#include <string>

#include "transform_test_support.hpp"

namespace vsecm::transform {
namespace {

struct YamlCase {
  const char* name;
  const char* json;
  const char* want;
};

const YamlCase kYamlCases[] = {
    {"KeysSortedAndSequencesIndented",
     "{\"b\":[1,\"x\",{\"k\":\"v\"}],\"a\":\"multi\\nline\\n\",\"c\":{},\"d\":\"yes\",\"e\":\"1234\",\"a10\":1,\"a9\":2}",
     "a: |\n    multi\n    line\na9: 2\na10: 1\nb:\n    - 1\n    - x\n    - k: v\nc: {}\nd: \"yes\"\ne: \"1234\"\n"},
    {"PlainAndQuotedStrings",
     "{\"s\":\"plain\",\"t\":\"with: colon\",\"u\":\"#hash\",\"v\":\" lead\",\"w\":\"trail \",\"x\":\"\",\"y\":\"null\",\"z\":\"~\"}",
     "s: plain\nt: 'with: colon'\nu: '#hash'\nv: ' lead'\nw: 'trail '\nx: \"\"\n\"y\": \"null\"\nz: \"~\"\n"},
    {"QuotesTabsAndLiteralBlocks",
     "{\"k\":\"a\\tb\",\"l\":\"it's\",\"m\":\"'q'\",\"n\":\"\\\"dq\\\"\",\"o\":\"line1\\nline2\",\"p\":\"\\nlead\",\"q\":\"end\\n\\n\",\"r\":\"x\\n\",\"s\":\"a\\r\\nb\"}",
     "k: \"a\\tb\"\nl: it's\nm: '''q'''\n\"n\": '\"dq\"'\no: |-\n    line1\n    line2\np: |4-\n    lead\nq: |+\n    end\n\nr: |\n    x\ns: \"a\\r\\nb\"\n"},
    {"StringsThatLookLikeOtherTypes",
     "{\"date\":\"2024-01-02\",\"ts\":\"2024-01-02T10:20:30Z\",\"t2\":\"2001-12-14 21:59:43.10\",\"b60\":\"12:30\",\"ver\":\"1.2.3\",\"f\":\"1.5\",\"oct\":\"0o17\",\"hex\":\"0x1F\",\"und\":\"1_000\",\"e\":\"1e5\",\"plusone\":\"+1\",\"neg\":\"-\",\"dash\":\"- x\",\"q\":\"\077\",\"colon\":\":x\"}",
     "b60: \"12:30\"\ncolon: :x\ndash: '- x'\ndate: \"2024-01-02\"\ne: \"1e5\"\nf: \"1.5\"\nhex: \"0x1F\"\nneg: '-'\noct: \"0o17\"\nplusone: \"+1\"\nq: '\077'\nt2: \"2001-12-14 21:59:43.10\"\nts: \"2024-01-02T10:20:30Z\"\nund: \"1_000\"\nver: 1.2.3\n"},
    {"NumbersBoolsNull",
     "{\"n\":1e21,\"m\":0.000001,\"o\":123456789,\"p\":-0.5,\"q\":100000,\"r\":1000000,\"t\":true,\"f\":false,\"z\":null}",
     "f: false\nm: 1e-06\n\"n\": 1e+21\no: 1.23456789e+08\np: -0.5\nq: 100000\nr: 1e+06\nt: true\nz: null\n"},
    {"DeepNesting",
     "{\"nested\":{\"deep\":{\"list\":[[1,2],[],{},{\"a\":[{\"b\":1,\"c\":[3]}]}]}}}",
     "nested:\n    deep:\n        list:\n            - - 1\n              - 2\n            - []\n            - {}\n            - a:\n                - b: 1\n                  c:\n                    - 3\n"},
    {"UnicodeAndControlCharacters",
     "{\"emoji\":\"\\ud83d\\ude00\",\"nbsp\":\"a\\u00a0b\",\"ctrl\":\"\\u0001\",\"bom\":\"\\ufeffx\",\"uni\":\"h\\u00e9llo\",\"del\":\"\\u007f\"}",
     "bom: \"\\uFEFF\\x78\"\nctrl: \"\\x01\"\ndel: \"\\x7F\"\nemoji: \"\\U0001F600\"\nnbsp: a\302\240b\nuni: h\303\251llo\n"},
    {"NaturalKeyOrder",
     "{\"a9\":1,\"a10\":2,\"a2b\":3,\"a02\":4,\"b\":5,\"B\":6,\"_x\":7,\"1\":8,\"01\":9,\"x1y2\":10,\"x1y10\":11,\"key with space\":12,\"-k\":13}",
     "-k: 13\n_x: 7\n\"1\": 8\n\"01\": 9\nB: 6\na2b: 3\na02: 4\na9: 1\na10: 2\nb: 5\nkey with space: 12\nx1y2: 10\nx1y10: 11\n"},
    {"MultiLineKeyIsQuoted",
     "{\"multi\\nkey\":1}",
     "\077 |-\n    multi\n    key\n: 1\n"},
    {"Yaml11Booleans",
     "{\"y\":\"y\",\"Y\":\"n\",\"on\":\"off\",\"True\":\"true\",\"NO\":\"No\"}",
     "\"NO\": \"No\"\n\"True\": \"true\"\n\"Y\": \"n\"\n\"on\": \"off\"\n\"y\": \"y\"\n"},
    {"IndicatorCharacters",
     "{\"l\":[\"- a\",\"a: b\",\"{x}\",\"[y]\",\"&a\",\"*b\",\"!c\",\"|d\",\">e\",\"%f\",\"@g\",\"`h\"]}",
     "l:\n    - '- a'\n    - 'a: b'\n    - '{x}'\n    - '[y]'\n    - '&a'\n    - '*b'\n    - '!c'\n    - '|d'\n    - '>e'\n    - '%f'\n    - '@g'\n    - '`h'\n"},
    {"NullDocument",
     "null",
     "null\n"},
    {"NullsInSequences",
     "{\"x\":[null,true,\"\",{\"a\":null}]}",
     "x:\n    - null\n    - true\n    - \"\"\n    - a: null\n"},
    {"LongLinesAreNotFolded",
     "{\"long\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb cccccccccccccccc\"}",
     "long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbb cccccccccccccccc\n"},
    {"KeyLongerThan128IsComplex",
     "{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":\"v\"}",
     "\077 kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n: v\n"},
    {"IndentedLiteralAndTabs",
     "{\"lit\":\"  indented\\nx\",\"tabs\":\"a\\tb\\nc\",\"sp\":\"a \\nb\"}",
     "lit: |4-\n      indented\n    x\nsp: \"a \\nb\"\ntabs: |-\n    a\tb\n    c\n"},
    {"CalendarChecks",
     "{\"s\":\"2024-02-30\",\"t\":\"2024-02-29\",\"u\":\"2023-02-29\",\"v\":\"2024-1-2T3:4:5.5+01:00\",\"w\":\"12:30:45\",\"x\":\"1:60\",\"y\":\"0.5\",\"z\":\".5\",\"aa\":\"1e400\",\"ad\":\"0777\",\"ae\":\"089\",\"af\":\"+.inf\",\"ag\":\".Inf\",\"ah\":\"Off\",\"ai\":\"NULL\",\"aj\":\"<<\",\"ak\":\"=\",\"al\":\"1_0\",\"am\":\"_1\"}",
     "aa: 1e400\nad: \"0777\"\nae: \"089\"\naf: \"+.inf\"\nag: \".Inf\"\nah: \"Off\"\nai: \"NULL\"\naj: <<\nak: =\nal: \"1_0\"\nam: _1\ns: 2024-02-30\nt: \"2024-02-29\"\nu: 2023-02-29\nv: \"2024-1-2T3:4:5.5+01:00\"\nw: \"12:30:45\"\nx: 1:60\n\"y\": \"0.5\"\nz: \".5\"\n"},
    {"SecretShapedDocument",
     "{\"username\":\"admin\",\"password\":\"p@ss:w0rd #1\",\"port\":5432,\"hosts\":[\"db1\",\"db2\"],\"tls\":{\"enabled\":true,\"ca\":\"-----BEGIN CERT-----\\nMIIB\\n-----END CERT-----\\n\"}}",
     "hosts:\n    - db1\n    - db2\npassword: 'p@ss:w0rd #1'\nport: 5432\ntls:\n    ca: |\n        -----BEGIN CERT-----\n        MIIB\n        -----END CERT-----\n    enabled: true\nusername: admin\n"},
};

class YamlCaseTest : public ::testing::TestWithParam<YamlCase> {};

TEST_P(YamlCaseTest, MarshalsAsYamlV3Does) {
  EXPECT_EQ(testing::Yaml(GetParam().json), GetParam().want) << GetParam().json;
}

INSTANTIATE_TEST_SUITE_P(YamlV3, YamlCaseTest, ::testing::ValuesIn(kYamlCases),
                         [](const ::testing::TestParamInfo<YamlCase>& info) { return std::string(info.param.name); });

TEST(YamlKeyOrderTest, DigitRunsCompareAsNumbers) {
  EXPECT_TRUE(YamlKeyLess("a2", "a10"));
  EXPECT_FALSE(YamlKeyLess("a10", "a2"));
  EXPECT_TRUE(YamlKeyLess("B", "a"));
  EXPECT_TRUE(YamlKeyLess("a", "ab"));
  EXPECT_FALSE(YamlKeyLess("a", "a"));
}

TEST(YamlQuotingTest, StringsReadAsOtherTypesNeedQuotes) {
  for (const char* s : {"", "~", "null", "true", "False", "yes", "off", "12", "-3", "0x1F", "1e5", ".5", "12:30",
                        "2024-01-02", "2024-01-02T10:20:30Z"}) {
    EXPECT_TRUE(YamlNeedsQuotes(s)) << s;
  }
  for (const char* s : {"hello", "2024-13-01", "1.2.3", "nan", "inf", "-", "0x", "12:60", "+.5x"}) {
    EXPECT_FALSE(YamlNeedsQuotes(s)) << s;
  }
}

TEST(YamlLimitTest, OutputIsBounded) {
  RenderArena arena(WipingHeapBackend(), size_t{64} << 20);
  JsonParseResult data = ParseJson(R"({"a":"0123456789","b":"0123456789"})", 64, arena.resource());
  ASSERT_EQ(data.status, JsonParseStatus::kOk);
  auto out = NewSecretString(arena.resource());
  Status s = WriteYaml(*data.value, *out, 20);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(s.message().find("max_output_bytes"), std::string::npos);
}

}  // namespace
}  // namespace vsecm::transform
