// Canonical base64: the header's unpadded dialect and the armor's padded one.
#include "vsecm/age/internal/base64.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "age_test_util.hpp"

namespace vsecm::age::internal {
namespace {

std::optional<std::vector<uint8_t>> Raw(std::string_view text) {
  std::vector<uint8_t> out(Base64MaxDecodedSize(text.size()));
  std::optional<size_t> n = Base64RawDecode(text, out);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

std::optional<std::vector<uint8_t>> Padded(std::string_view text) {
  std::vector<uint8_t> out(Base64MaxDecodedSize(text.size()));
  std::optional<size_t> n = Base64PaddedDecode(text, out);
  if (!n) return std::nullopt;
  out.resize(*n);
  return out;
}

TEST(AgeBase64Test, RoundTripsEveryLength) {
  for (size_t len = 0; len < 70; ++len) {
    std::vector<uint8_t> data = testing::RandomBytes(len);
    std::string raw = Base64RawEncode(data);
    EXPECT_EQ(raw.find('='), std::string::npos);
    EXPECT_EQ(Raw(raw), data) << len;
    std::string padded;
    Base64PaddedEncode(data, padded);
    EXPECT_EQ(padded.size() % 4, 0u);
    EXPECT_EQ(Padded(padded), data) << len;
  }
}

TEST(AgeBase64Test, KnownAnswers) {
  EXPECT_EQ(Base64RawEncode(testing::Bytes("f")), "Zg");
  EXPECT_EQ(Base64RawEncode(testing::Bytes("fo")), "Zm8");
  EXPECT_EQ(Base64RawEncode(testing::Bytes("foo")), "Zm9v");
  std::string p;
  Base64PaddedEncode(testing::Bytes("fo"), p);
  EXPECT_EQ(p, "Zm8=");
}

TEST(AgeBase64Test, RawRejectsPaddingAndNonCanonicalForms) {
  EXPECT_FALSE(Raw("Zg=="));  // padding
  EXPECT_FALSE(Raw("Zm8="));
  EXPECT_FALSE(Raw("Zh"));      // non-zero trailing bits: "Zh" has the low 4 bits set
  EXPECT_FALSE(Raw("Zm9"));     // non-zero trailing bits in a 2-byte tail
  EXPECT_FALSE(Raw("Z"));       // a lone sextet
  EXPECT_FALSE(Raw("Zm9v\n"));  // line breaks are not skipped
  EXPECT_FALSE(Raw("Zm\r9v"));
  EXPECT_FALSE(Raw("Zm 9v"));
  EXPECT_FALSE(Raw("Zm9v-_"));  // URL alphabet
  EXPECT_TRUE(Raw(""));
  EXPECT_TRUE(Raw("Zg"));
}

TEST(AgeBase64Test, PaddedRejectsMissingOrMisplacedPadding) {
  EXPECT_FALSE(Padded("Zg"));    // missing padding
  EXPECT_FALSE(Padded("Zg="));   // short padding
  EXPECT_FALSE(Padded("Z==="));  // too much padding
  EXPECT_FALSE(Padded("Zg=a"));  // padding inside
  EXPECT_FALSE(Padded("Zh=="));  // non-canonical trailing bits
  EXPECT_FALSE(Padded("Zm9="));
  EXPECT_FALSE(Padded("===="));
  EXPECT_TRUE(Padded("Zg=="));
  EXPECT_TRUE(Padded("Zm8="));
  EXPECT_TRUE(Padded(""));
}

}  // namespace
}  // namespace vsecm::age::internal
