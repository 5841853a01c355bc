#include "vsecm/kernel/secure_json.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <string>
#include <vector>

namespace vsecm::kernel {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Text(const SecretBytes& s) { return std::string(s.ExposeText()); }

// Runs the writer's two passes and returns what it wrote.
template <class F>
std::string Written(F&& write) {
  SecureJsonWriter measure;
  write(measure);
  std::string out(measure.size(), '\0');
  SecureJsonWriter w(std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data()), out.size()));
  write(w);
  EXPECT_FALSE(w.overflowed());
  EXPECT_EQ(w.size(), out.size());
  return out;
}

TEST(Utf8Test, AcceptsWellFormedAndRefusesTheRest) {
  EXPECT_EQ(Utf8SequenceLength(Bytes("a")), 1u);
  EXPECT_EQ(Utf8SequenceLength(Bytes("\xC3\xA9")), 2u);          // é
  EXPECT_EQ(Utf8SequenceLength(Bytes("\xE2\x82\xAC")), 3u);      // €
  EXPECT_EQ(Utf8SequenceLength(Bytes("\xF0\x9F\x94\x91")), 4u);  // 🔑
  EXPECT_EQ(Utf8SequenceLength(Bytes("\xF4\x8F\xBF\xBF")), 4u);  // U+10FFFF
  EXPECT_EQ(Utf8SequenceLength(Bytes("\xEF\xBF\xBF")), 3u);      // U+FFFF
  for (std::string_view bad : {"\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80",
                               "\xE0\x9F\xBF", "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80",
                               "\xF0\x8F\xBF\xBF", "\xF4\x90\x80\x80", "\xF5\x80\x80\x80",
                               "\xFF", "\xC3", "\xE2\x82", "\xF0\x9F\x94", "\xC3\x41"}) {
    EXPECT_EQ(Utf8SequenceLength(Bytes(bad)), 0u) << "byte " << int(uint8_t(bad[0]));
  }
  EXPECT_TRUE(IsValidUtf8(Bytes("plain \xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91")));
  EXPECT_FALSE(IsValidUtf8(Bytes("plain \xC3")));
  EXPECT_TRUE(IsValidUtf8(Bytes("")));
}

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string_view, std::string_view> vectors[] = {
      {"", ""},         {"f", "Zg=="},        {"fo", "Zm8="},       {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(Written([&](SecureJsonWriter& w) { w.Base64String(Bytes(plain)); }),
              "\"" + std::string(encoded) + "\"");
    EXPECT_EQ(Base64EncodedSize(plain.size()), encoded.size());
    auto decoded = DecodeBase64(Bytes(encoded));
    ASSERT_TRUE(decoded.ok()) << encoded;
    EXPECT_EQ(Text(*decoded), plain);
  }
}

TEST(Base64Test, MatchesOpenSslForRandomBytes) {
  for (size_t len = 0; len < 200; ++len) {
    std::vector<uint8_t> in(len);
    ASSERT_EQ(RAND_bytes(in.data(), static_cast<int>(len)), 1);
    std::string ref(Base64EncodedSize(len) + 1, '\0');
    EVP_EncodeBlock(reinterpret_cast<unsigned char*>(ref.data()), in.data(), static_cast<int>(len));
    ref.pop_back();
    std::string ours = Written([&](SecureJsonWriter& w) { w.Base64String(in); });
    EXPECT_EQ(ours, "\"" + ref + "\"");
    auto back = DecodeBase64(Bytes(ref));
    ASSERT_TRUE(back.ok());
    EXPECT_TRUE(back->Equals(in));
  }
}

TEST(Base64Test, RefusesNonCanonicalOrMalformedText) {
  for (std::string_view bad : {"Zg=", "Zg", "Z===", "====", "Zh==", "Zm9=", "Zg==Zg==", "Zm9v\n",
                               "Zm 9", "Zm9-", "Zm9_", "Zm=v", "=Zm9"}) {
    auto r = DecodeBase64(Bytes(bad));
    EXPECT_FALSE(r.ok()) << bad;
  }
}

TEST(SecureJsonWriterTest, EscapesOnlyWhatJsonRequires) {
  std::string raw = "a\"b\\c/\x01\n\t\x1f\x7f \xC3\xA9\xF0\x9F\x94\x91";
  raw.push_back('\0');
  EXPECT_EQ(Written([&](SecureJsonWriter& w) { w.String(raw); }),
            "\"a\\\"b\\\\c/\\u0001\\u000a\\u0009\\u001f\x7f \xC3\xA9\xF0\x9F\x94\x91\\u0000\"");
}

TEST(SecureJsonWriterTest, ReplacesInvalidUtf8InText) {
  EXPECT_EQ(Written([&](SecureJsonWriter& w) { w.String(std::string_view("a\xFF\xC3z")); }),
            "\"a\xEF\xBF\xBD\xEF\xBF\xBDz\"");
}

TEST(SecureJsonWriterTest, ReportsOverflowInsteadOfWritingPastTheBuffer) {
  uint8_t buf[4] = {0, 0, 0, 0};
  SecureJsonWriter w(std::span<uint8_t>(buf, 3));
  w.Raw("abcdef");
  EXPECT_TRUE(w.overflowed());
  EXPECT_EQ(buf[3], 0);
}

StatusOr<std::string> ReadOneSecret(std::string_view json) {
  SecureJsonReader r(Bytes(json));
  VSECM_RETURN_IF_ERROR(r.Validate());
  VSECM_ASSIGN_OR_RETURN(SecretBytes s, r.ReadSecret("v"));
  VSECM_RETURN_IF_ERROR(r.ExpectEnd("v"));
  return Text(s);
}

TEST(SecureJsonReaderTest, DecodesEscapesIntoSecureMemory) {
  auto s = ReadOneSecret(R"( "a\"b\\c\/d\b\f\n\r\t\u0000\u00e9\u20AC\ud83d\udd11" )");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, std::string("a\"b\\c/d\b\f\n\r\t") + std::string(1, '\0') +
                    "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91");
}

TEST(SecureJsonReaderTest, RejectsMalformedStrings) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {R"("abc)", "unterminated string"},
      {R"("abc\)", "unterminated string"},
      {R"("\x")", "invalid escape"},
      {R"("\u12")", "invalid \\u escape"},
      {R"("\u12G4")", "invalid \\u escape"},
      {R"("\ud800")", "lone high surrogate"},
      {R"("\ud800x")", "lone high surrogate"},
      {R"("\ud800\u0041")", "lone high surrogate"},
      {R"("\udc00")", "lone low surrogate"},
      {"\"a\nb\"", "unescaped control character"},
      {"\"a\xFF\"", "invalid UTF-8"},
      {"\"\xED\xA0\x80\"", "invalid UTF-8"},
      {"\"\xC0\xAF\"", "invalid UTF-8"},
  };
  for (auto [json, want] : cases) {
    auto s = ReadOneSecret(json);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << json << " -> " << s.status().message();
  }
}

TEST(SecureJsonReaderTest, ValidatesWholeDocuments) {
  for (std::string_view good :
       {"{}", "[]", " {\"a\" : [1, -0.5e+3, true, false, null, \"x\", {}]} ", "0", "-0",
        "1E9", "\"\"", "[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]" /* 16 levels */}) {
    SecureJsonReader r(Bytes(good));
    EXPECT_TRUE(r.Validate().ok()) << good << ": " << r.Validate().ToString();
  }
  const std::pair<std::string_view, std::string_view> bad[] = {
      {"", "unexpected end"},
      {"{} x", "unexpected text after the end"},
      {"{}{}", "unexpected text after the end"},
      {"[1,]", "expected a value"},
      {"{\"a\":1,}", "expected a string"},
      {"{\"a\" 1}", "expected ':'"},
      {"{\"a\":1 \"b\":2}", "expected ',' or '}'"},
      {"[1 2]", "expected ',' or ']'"},
      {"[01]", "expected ',' or ']'"},
      {"[1.]", "invalid number"},
      {"[-]", "invalid number"},
      {"[1e]", "invalid number"},
      {"[+1]", "expected a value"},
      {"[NaN]", "expected a value"},
      {"[tru]", "expected a value"},
      {"{'a':1}", "expected a string"},
      {"[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]", "nesting deeper than 16"},
      {"[1] // comment", "unexpected text"},
  };
  for (auto [json, want] : bad) {
    SecureJsonReader r(Bytes(json));
    Status s = r.Validate();
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_NE(s.message().find(want), std::string::npos) << json << " -> " << s.message();
  }
}

TEST(SecureJsonReaderTest, ObjectsRejectDuplicateKeysAndNameTypes) {
  SecureJsonReader dup(Bytes(R"({"a":1,"b":2,"a":3})"));
  Status s = dup.ReadObject("obj", [&](std::string_view) { return dup.ReadInteger("n").status(); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("obj: duplicate key at offset 13"), std::string::npos)
      << s.message();

  SecureJsonReader wrong(Bytes(R"({"a":[1]})"));
  s = wrong.ReadObject("obj", [&](std::string_view) { return wrong.ReadText("obj.a").status(); });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("obj.a: expected a string, found an array"), std::string::npos)
      << s.message();

  SecureJsonReader frac(Bytes("1.5"));
  EXPECT_FALSE(frac.ReadInteger("n").ok());
  SecureJsonReader big(Bytes("1234567890123456789"));
  EXPECT_FALSE(big.ReadInteger("n").ok());
  SecureJsonReader neg(Bytes("-42"));
  EXPECT_EQ(*neg.ReadInteger("n"), -42);
}

}  // namespace
}  // namespace vsecm::kernel
