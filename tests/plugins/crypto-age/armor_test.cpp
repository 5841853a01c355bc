// ASCII armor: what the stock age reader accepts, and every variant it refuses.
#include "vsecm/age/internal/armor.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "age_test_util.hpp"

namespace vsecm::age::internal {
namespace {

const std::string kBegin(kArmorBegin);
const std::string kEnd(kArmorEnd);

// 100 bytes: two full 64-column lines (48 bytes each) and an 8-character tail.
std::vector<uint8_t> Sample() {
  std::vector<uint8_t> d(100);
  for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<uint8_t>(i * 7 + 1);
  return d;
}

Status Decode(const std::string& text, std::vector<uint8_t>* out = nullptr) {
  std::vector<uint8_t> tmp;
  Status s = ArmorDecode(testing::Bytes(text), tmp);
  if (out != nullptr) *out = tmp;
  return s;
}

TEST(AgeArmorTest, EncodesLikeAge) {
  std::string armored = ArmorEncode(Sample());
  // 100 bytes = 136 base64 characters with padding: 64 + 64 + 8.
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < armored.size()) {
    size_t lf = armored.find('\n', start);
    ASSERT_NE(lf, std::string::npos) << "every line ends with LF";
    lines.push_back(armored.substr(start, lf - start));
    start = lf + 1;
  }
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], kBegin);
  EXPECT_EQ(lines[1].size(), 64u);
  EXPECT_EQ(lines[2].size(), 64u);
  EXPECT_EQ(lines[3].size(), 8u);
  EXPECT_EQ(lines[4], kEnd);
  std::vector<uint8_t> back;
  ASSERT_TRUE(Decode(armored, &back).ok());
  EXPECT_EQ(back, Sample());
}

TEST(AgeArmorTest, FullLastLineAndEmptyPayload) {
  std::vector<uint8_t> d(96, 0xab);  // exactly two full lines
  std::string armored = ArmorEncode(d);
  std::vector<uint8_t> back;
  ASSERT_TRUE(Decode(armored, &back).ok());
  EXPECT_EQ(back, d);
  ASSERT_TRUE(Decode(ArmorEncode({}), &back).ok());
  EXPECT_TRUE(back.empty());
}

TEST(AgeArmorTest, AcceptsCrlfSurroundingWhitespaceAndMissingFinalNewline) {
  std::string armored = ArmorEncode(Sample());
  std::string crlf;
  for (char c : armored) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  EXPECT_TRUE(Decode(crlf).ok());
  EXPECT_TRUE(Decode("\n \t\r\n" + armored + "\n\n  \n").ok());
  EXPECT_TRUE(Decode(armored.substr(0, armored.size() - 1)).ok());
}

TEST(AgeArmorTest, RejectsBadVariants) {
  const std::string a = ArmorEncode(Sample());
  auto bad = [](const std::string& text, const char* why) {
    Status s = Decode(text);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << why;
  };
  auto replace = [&](std::string from, std::string to) {
    std::string t = a;
    size_t p = t.find(from);
    EXPECT_NE(p, std::string::npos) << from;
    t.replace(p, from.size(), to);
    return t;
  };
  bad(replace("BEGIN AGE", "BEGIN PGP"), "wrong begin label");
  bad(replace("END AGE", "END PGP"), "wrong end label");
  bad(replace("-----BEGIN AGE ENCRYPTED FILE-----", "-----begin age encrypted file-----"),
      "lower-case begin");
  bad(a.substr(0, a.size() - kEnd.size() - 1), "no end line");
  bad(a + "garbage\n", "garbage after the end line");
  bad("garbage\n" + a, "garbage before the begin line");
  bad(a + std::string(1024, ' '), "too much trailing whitespace");
  bad(std::string(1100, '\n') + a, "too much leading whitespace");
  bad(replace(kBegin + "\n", kBegin + "\nVersion: 1\n\n"), "PEM headers");
  bad(replace(kBegin + "\n", kBegin + "\n\n"), "empty line after begin");
  bad(replace("\n" + kEnd, "\n\n" + kEnd), "empty line before end");
  bad(replace(kBegin + "\n", " " + kBegin + "\n"), "indented begin line");
  bad(replace(kBegin + "\n", kBegin + " \n"), "space after begin line");

  // Lines: the first data line made 68 columns by pulling 4 characters up from the next.
  std::string lines = a;
  size_t l1 = lines.find('\n') + 1;
  size_t l2 = lines.find('\n', l1) + 1;
  std::string moved = lines.substr(l2, 4);
  lines.erase(l2, 4);
  lines.erase(l2 - 1, 1);
  lines.insert(l2 - 1, moved + "\n");
  bad(lines, "line longer than 64 columns");

  // A short line that is not the last one.
  std::string short_line = a;
  short_line.insert(l1 + 32, "\n");
  bad(short_line, "short line in the middle");

  // Missing padding, bad padding, non-canonical last character.
  size_t pad = a.find("=\n");
  ASSERT_NE(pad, std::string::npos);
  std::string no_pad = a;
  no_pad.erase(pad, 1);
  bad(no_pad, "missing padding");
  std::string extra_pad = a;
  extra_pad.insert(pad, "=");
  bad(extra_pad, "extra padding");
  // 100 bytes leave 4 trailing bits in the last group: "Yw==" style; bump the character
  // before the padding to one with non-zero low bits.
  std::string noncanon = a;
  size_t before_pad = pad;
  while (noncanon[before_pad] == '=') --before_pad;
  noncanon[before_pad] = noncanon[before_pad] == 'B' ? 'C' : 'B';
  bad(noncanon, "non-canonical trailing bits");
  bad(replace("\n" + kEnd, "\n====\n" + kEnd), "padding-only line");
  std::string bad_char = a;
  bad_char[l1 + 5] = '*';
  bad(bad_char, "invalid character");
}

TEST(AgeArmorTest, LooksArmored) {
  EXPECT_TRUE(LooksArmored(testing::Bytes(kBegin + "\n")));
  EXPECT_TRUE(LooksArmored(testing::Bytes("\r\n\t " + kBegin)));
  EXPECT_FALSE(LooksArmored(testing::Bytes("age-encryption.org/v1\n")));
  EXPECT_FALSE(LooksArmored(testing::Bytes(std::string(2000, ' ') + kBegin)));
}

}  // namespace
}  // namespace vsecm::age::internal
