// Bech32 encoding of age identities and recipients: known answers, the stock age-keygen, and
// every malformation age rejects.
#include "vsecm/age/internal/bech32.hpp"

#include <gtest/gtest.h>

#include <string>

#include "age_test_util.hpp"
#include "vsecm/age/age.hpp"

namespace vsecm::age {
namespace {

using testing::kAgeKeygenPath;

// From C2SP age.md, "The X25519 recipient type".
constexpr std::string_view kSpecIdentity =
    "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
constexpr std::string_view kSpecRecipient =
    "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";

std::string EncodeToText(SecretView secret) {
  vsecm::kernel::SecretBuilder builder;
  vsecm::sdk::Sink sink(builder.sink());
  EXPECT_TRUE(EncodeIdentity(secret, sink).ok());
  return std::string(builder.Take().ExposeText());
}

TEST(AgeBech32Test, SpecVectorRoundTrips) {
  std::array<uint8_t, 32> secret{};
  ASSERT_TRUE(DecodeIdentity(kSpecIdentity, secret).ok());
  for (uint8_t b : secret) EXPECT_EQ(b, 0x42);  // "GFPYYSJZ" repeats 0x42 0x42 0x42 0x42 0x42
  StatusOr<std::string> recipient = RecipientOf(secret);
  ASSERT_TRUE(recipient.ok());
  EXPECT_EQ(*recipient, kSpecRecipient);
  EXPECT_EQ(EncodeToText(secret), kSpecIdentity);
  StatusOr<Recipient> decoded = DecodeRecipient(kSpecRecipient);
  ASSERT_TRUE(decoded.ok());
}

TEST(AgeBech32Test, GeneratedIdentityRoundTrips) {
  std::array<uint8_t, 32> secret{}, back{};
  ASSERT_TRUE(GenerateIdentity(secret).ok());
  std::string text = EncodeToText(secret);
  EXPECT_EQ(text.size(), 74u);
  EXPECT_TRUE(text.starts_with("AGE-SECRET-KEY-1"));
  ASSERT_TRUE(DecodeIdentity(text, back).ok());
  EXPECT_EQ(secret, back);
  StatusOr<std::string> r = RecipientOf(secret);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 62u);
  EXPECT_TRUE(r->starts_with("age1"));
}

TEST(AgeBech32Test, MatchesStockAgeKeygen) {
  if (!testing::HaveAgeCli()) GTEST_SKIP() << "age-keygen is not installed";
  testing::TempDir dir;
  const std::string key_path = (dir.path() / "key.txt").string();
  ASSERT_EQ(testing::RunProcess({kAgeKeygenPath, "-o", key_path}, "", "", ""), 0);
  std::string file = testing::Text(dir.Read("key.txt"));
  // "# created: ...\n# public key: age1...\nAGE-SECRET-KEY-1...\n"
  size_t pk = file.find("# public key: ");
  ASSERT_NE(pk, std::string::npos);
  std::string public_key = file.substr(pk + 14, file.find('\n', pk) - pk - 14);
  size_t sk = file.find("AGE-SECRET-KEY-1");
  ASSERT_NE(sk, std::string::npos);
  std::string secret_key = file.substr(sk, file.find('\n', sk) - sk);

  std::array<uint8_t, 32> secret{};
  ASSERT_TRUE(DecodeIdentity(secret_key, secret).ok());
  StatusOr<std::string> recipient = RecipientOf(secret);
  ASSERT_TRUE(recipient.ok());
  EXPECT_EQ(*recipient, public_key);
  EXPECT_EQ(EncodeToText(secret), secret_key);
}

TEST(AgeBech32Test, RejectsMalformedIdentities) {
  std::string good(kSpecIdentity);
  std::array<uint8_t, 32> secret{};
  auto rejects = [&](const std::string& text) {
    Status s = DecodeIdentity(text, secret);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
    if (text.size() > 20) {
      EXPECT_EQ(s.message().find(text.substr(16)), std::string::npos) << "error echoes the key";
    }
  };
  std::string lower = good;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  rejects(lower);  // identities are upper case
  std::string mixed = good;
  mixed[good.size() - 3] = static_cast<char>(std::tolower(mixed[good.size() - 3]));
  rejects(mixed);  // mixed case
  std::string bad_checksum = good;
  bad_checksum.back() = bad_checksum.back() == 'X' ? 'Q' : 'X';
  rejects(bad_checksum);
  rejects("AGE-SECRET-KEY-PQ-" + good.substr(15));  // other HRP
  rejects(std::string(kSpecRecipient));             // a recipient is not an identity
  rejects(good.substr(0, good.size() - 1));         // truncated
  rejects(good + "Q");                              // extended
  rejects(" " + good);                              // whitespace is not trimmed
  std::string bad_char = good;
  bad_char[20] = 'B';  // 'b' is not in the Bech32 alphabet
  rejects(bad_char);
  rejects("");
}

TEST(AgeBech32Test, RejectsMalformedRecipients) {
  std::string good(kSpecRecipient);
  auto rejects = [&](const std::string& text) {
    StatusOr<Recipient> r = DecodeRecipient(text);
    EXPECT_FALSE(r.ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << text;
  };
  std::string upper = good;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  rejects(upper);  // HRP "AGE" is not "age"
  std::string bad_checksum = good;
  bad_checksum.back() = bad_checksum.back() == 'q' ? 'p' : 'q';
  rejects(bad_checksum);
  rejects("age1pq" + good.substr(4));  // other HRP / checksum
  rejects("agf" + good.substr(3));
  rejects(good.substr(0, 61));
  rejects(std::string(kSpecIdentity));
  rejects("age1");
}

TEST(AgeBech32Test, RejectsNonZeroPaddingAndWrongLength) {
  // 33 bytes do not fit a 32-byte key; 31 bytes neither.
  std::array<uint8_t, 33> long_data{};
  std::string text(internal::Bech32EncodedLength(3, 33), '\0');
  ASSERT_TRUE(internal::Bech32Encode("age", long_data, text).ok());
  EXPECT_FALSE(DecodeRecipient(text).ok());
  std::array<uint8_t, 31> short_data{};
  text.assign(internal::Bech32EncodedLength(3, 31), '\0');
  ASSERT_TRUE(internal::Bech32Encode("age", short_data, text).ok());
  EXPECT_FALSE(DecodeRecipient(text).ok());
}

TEST(AgeBech32Test, LooksLikeAge) {
  EXPECT_TRUE(LooksLikeAge(testing::Bytes("age-encryption.org/v1\n-> X25519 abc\n")));
  EXPECT_TRUE(LooksLikeAge(testing::Bytes("\n  -----BEGIN AGE ENCRYPTED FILE-----\nYWdl\n")));
  EXPECT_FALSE(LooksLikeAge(testing::Bytes("AGE-SECRET-KEY-1...")));
  EXPECT_FALSE(LooksLikeAge(testing::Bytes("{\"json\": true}")));
  EXPECT_FALSE(LooksLikeAge({}));
}

}  // namespace
}  // namespace vsecm::age
