// Header parsing: the grammar of C2SP age.md, exactly as strict as filippo.io/age.
#include "vsecm/age/internal/header.hpp"

#include <gtest/gtest.h>

#include <string>

#include "age_test_util.hpp"
#include "vsecm/age/internal/base64.hpp"

namespace vsecm::age::internal {
namespace {

const std::string kMac = "--- " + std::string(43, 'A') + "\n";  // 32 zero bytes

StatusOr<Header> Parse(const std::string& text) { return ParseHeader(testing::Bytes(text)); }

StatusCode Code(const std::string& text) { return Parse(text).status().code(); }

TEST(AgeHeaderTest, ParsesStanzasAndMac) {
  std::string body64(64, 'A');  // a full line: 48 zero bytes
  std::string text = "age-encryption.org/v1\n-> X25519 abc def\n" + body64 + "\nAAAA\n" +
                     "-> grease-1 !~\n\n" + kMac + "payload";
  StatusOr<Header> h = Parse(text);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->stanzas.size(), 2u);
  EXPECT_EQ(h->stanzas[0].type, "X25519");
  EXPECT_EQ(h->stanzas[0].args, (std::vector<std::string>{"abc", "def"}));
  EXPECT_EQ(h->stanzas[0].body.size(), 51u);
  EXPECT_EQ(h->stanzas[1].type, "grease-1");
  EXPECT_TRUE(h->stanzas[1].body.empty());
  EXPECT_EQ(h->size, text.size() - 7);
  EXPECT_EQ(text.substr(0, h->mac_input_size).back(), '-');
  EXPECT_EQ(SerializeHeaderWithoutMac(h->stanzas), text.substr(0, h->mac_input_size));
}

TEST(AgeHeaderTest, RejectsMalformedHeaders) {
  const std::string intro = "age-encryption.org/v1\n";
  const std::string stanza = "-> X25519 abc\nAAAA\n";
  EXPECT_EQ(Code(""), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("age-encryption.org/v2\n" + stanza + kMac), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("age-encryption.org/v1\r\n" + stanza + kMac), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("AGE-ENCRYPTION.ORG/V1\n" + stanza + kMac), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + kMac), StatusCode::kInvalidArgument) << "no stanza";
  EXPECT_EQ(Code(intro + "->X25519 abc\nAAAA\n" + kMac), StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + "->\nAAAA\n" + kMac), StatusCode::kInvalidArgument) << "no arguments";
  EXPECT_EQ(Code(intro + "-> X25519  abc\nAAAA\n" + kMac), StatusCode::kInvalidArgument)
      << "empty argument";
  EXPECT_EQ(Code(intro + "-> X25519 abc \nAAAA\n" + kMac), StatusCode::kInvalidArgument)
      << "trailing space";
  EXPECT_EQ(Code(intro +
                 "-> X25519 a\x7f"
                 "b\nAAAA\n" +
                 kMac),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + "-> X25519 abc\r\nAAAA\n" + kMac), StatusCode::kInvalidArgument)
      << "CR in an argument";
  EXPECT_EQ(Code(intro + "-> X25519 abc\nAAAA\r\n" + kMac), StatusCode::kInvalidArgument)
      << "CR in a body line";
  EXPECT_EQ(Code(intro + "-> X25519 abc\nAA==\n" + kMac), StatusCode::kInvalidArgument)
      << "padding in a body line";
  EXPECT_EQ(Code(intro + "-> X25519 abc\nAB\n" + kMac), StatusCode::kInvalidArgument)
      << "non-canonical body";
  EXPECT_EQ(Code(intro + "-> X25519 abc\n" + std::string(68, 'A') + "\n\n" + kMac),
            StatusCode::kInvalidArgument)
      << "body line over 64 columns";
  EXPECT_EQ(Code(intro + "-> X25519 abc\n" + std::string(64, 'A') + "\n" + kMac),
            StatusCode::kInvalidArgument)
      << "stanza without a final short line";
  EXPECT_EQ(Code(intro + "-> X25519 abc\nAAAA\nAAAA\n" + kMac), StatusCode::kInvalidArgument)
      << "two short lines";
  EXPECT_EQ(Code(intro + "X25519 abc\nAAAA\n" + kMac), StatusCode::kInvalidArgument);
  // MAC line variants.
  EXPECT_EQ(Code(intro + stanza + "---" + std::string(43, 'A') + "\n"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + stanza + "---  " + std::string(43, 'A') + "\n"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + stanza + "--- " + std::string(43, 'A') + " \n"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + stanza + "--- " + std::string(42, 'A') + "\n"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + stanza + "--- " + std::string(43, 'A') + "=\n"),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Code(intro + stanza + "--- " + std::string(42, 'A') + "B\n"),
            StatusCode::kInvalidArgument)
      << "non-canonical mac";
  EXPECT_EQ(Code(intro + stanza + "--- " + std::string(43, 'A') + "\r\n"),
            StatusCode::kInvalidArgument);
}

TEST(AgeHeaderTest, TruncatedHeadersAreDataLoss) {
  const std::string full = "age-encryption.org/v1\n-> X25519 abc\nAAAA\n" + kMac;
  for (size_t n = 1; n < full.size(); ++n) {
    StatusOr<Header> h = Parse(full.substr(0, n));
    EXPECT_FALSE(h.ok()) << n;
    EXPECT_EQ(h.status().code(), StatusCode::kDataLoss) << n << ": " << h.status().ToString();
  }
  EXPECT_TRUE(Parse(full).ok());
}

}  // namespace
}  // namespace vsecm::age::internal
