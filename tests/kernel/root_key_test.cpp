#include "vsecm/kernel/root_key.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace vsecm::kernel {
namespace {

// A well-formed (not necessarily checksum-valid) root key: the kernel checks shape only.
const std::string kSecret =
    "AGE-SECRET-KEY-1" + std::string("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7LQPZRY9X8GF2TVDW0S3JN54KHCE");
const std::string kPublic = "age1" + std::string("qpzry9x8gf2tvdw0s3jn54khce6mua7lqpzry9x8gf2tvdw0s3jn54khce");
const std::string kAes = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

std::span<const uint8_t> Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string Join(const std::string& a, const std::string& b, const std::string& c) {
  return a + "\n" + b + "\n" + c;
}

// Asserts an INVALID_ARGUMENT whose message contains `needle` and none of the key's content.
void ExpectInvalid(std::string_view text, std::string_view needle) {
  auto key = RootKey::Parse(Bytes(text));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(key.status().message().find(needle), std::string::npos) << key.status().message();
  for (const std::string& secret : {kSecret.substr(16, 20), kPublic.substr(4, 20), kAes.substr(0, 16)}) {
    EXPECT_EQ(key.status().message().find(secret), std::string::npos) << key.status().message();
  }
}

TEST(RootKeyTest, LengthsMatchTheAgeFormat) {
  ASSERT_EQ(kSecret.size(), RootKey::kAgeSecretKeyLength);
  ASSERT_EQ(kPublic.size(), RootKey::kAgePublicKeyLength);
  ASSERT_EQ(kAes.size(), RootKey::kAesKeyHexLength);
}

TEST(RootKeyTest, ParsesWithAndWithoutFinalNewline) {
  for (const std::string& text : {Join(kSecret, kPublic, kAes), Join(kSecret, kPublic, kAes) + "\n"}) {
    auto key = RootKey::Parse(Bytes(text));
    ASSERT_TRUE(key.ok()) << key.status().ToString();
    EXPECT_EQ(key->age_secret_key().ExposeText(), kSecret);
    EXPECT_EQ(key->age_public_key().ExposeText(), kPublic);
    EXPECT_EQ(key->aes_key_hex().ExposeText(), kAes);
    EXPECT_EQ(key->Text().ExposeText(), Join(kSecret, kPublic, kAes) + "\n");
  }
}

TEST(RootKeyTest, MaterialForEachAlgorithm) {
  auto key = RootKey::Parse(Bytes(Join(kSecret, kPublic, kAes)));
  ASSERT_TRUE(key.ok());
  auto age = key->MaterialFor("age");
  ASSERT_TRUE(age.ok());
  EXPECT_EQ(age->ExposeText(), kSecret + "\n" + kPublic + "\n");
  auto aes = key->MaterialFor("aes-256-gcm");
  ASSERT_TRUE(aes.ok());
  EXPECT_EQ(aes->ExposeText(), kAes + "\n");
  auto other = key->MaterialFor("chacha20");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kNotFound);
  EXPECT_NE(other.status().message().find("chacha20"), std::string::npos);
}

TEST(RootKeyTest, RefusesWrongLineCount) {
  ExpectInvalid("", "empty");
  ExpectInvalid("\n", "has 1 line;");
  ExpectInvalid(kSecret + "\n" + kPublic, "2 lines");
  ExpectInvalid(kSecret + "\n" + kPublic + "\n", "2 lines");
  ExpectInvalid(Join(kSecret, kPublic, kAes) + "\n\n", "4 lines");
  ExpectInvalid(Join(kSecret, kPublic, kAes) + "\n" + kAes, "4 lines");
  ExpectInvalid("\n" + Join(kSecret, kPublic, kAes), "4 lines");
}

TEST(RootKeyTest, RefusesCarriageReturns) {
  ExpectInvalid(kSecret + "\r\n" + kPublic + "\r\n" + kAes + "\r\n", "line 1 contains a carriage return");
  ExpectInvalid(Join(kSecret, kPublic, kAes) + "\r\n", "line 3 contains a carriage return");
  ExpectInvalid(kSecret + "\n" + kPublic + "\r\n" + kAes, "line 2 contains a carriage return");
  ExpectInvalid(kSecret + "\r\n", "line 1 contains a carriage return");  // before the count
}

TEST(RootKeyTest, RefusesWrongPrefixes) {
  ExpectInvalid(Join(kPublic, kPublic, kAes), "root key line 1 is not an age secret key");
  ExpectInvalid(Join(kSecret, kSecret, kAes), "root key line 2 is not an age public key");
  std::string lower_secret = "age-secret-key-1" + kSecret.substr(16);
  ExpectInvalid(Join(lower_secret, kPublic, kAes), "line 1 is not an age secret key");
  ExpectInvalid(Join(kSecret, "AGE1" + kPublic.substr(4), kAes), "line 2 is not an age public key");
}

TEST(RootKeyTest, RefusesWrongLengths) {
  ExpectInvalid(Join(kSecret.substr(0, 73), kPublic, kAes), "line 1 has 73 characters");
  ExpectInvalid(Join(kSecret + "Q", kPublic, kAes), "line 1 has 75 characters");
  ExpectInvalid(Join(kSecret, kPublic.substr(0, 61), kAes), "line 2 has 61 characters");
  ExpectInvalid(Join(kSecret, kPublic, kAes.substr(0, 62)), "line 3 has 62 characters");
  ExpectInvalid(Join(kSecret, kPublic, kAes + "00"), "line 3 has 66 characters");
  ExpectInvalid(Join(kSecret, "", kAes), "line 2 is empty");
}

TEST(RootKeyTest, RefusesBadCharacters) {
  std::string secret = kSecret;
  secret[20] = 'B';  // 'b' is not in the bech32 alphabet
  ExpectInvalid(Join(secret, kPublic, kAes), "line 1: character 21 is not an upper-case bech32");
  secret = kSecret;
  secret[30] = 'q';  // right letter, wrong case
  ExpectInvalid(Join(secret, kPublic, kAes), "line 1: character 31");
  std::string pub = kPublic;
  pub[10] = 'Q';
  ExpectInvalid(Join(kSecret, pub, kAes), "line 2: character 11 is not a lower-case bech32");
  pub = kPublic;
  pub[61] = '1';
  ExpectInvalid(Join(kSecret, pub, kAes), "line 2: character 62");
  std::string aes = kAes;
  aes[5] = 'g';
  ExpectInvalid(Join(kSecret, kPublic, aes), "line 3: character 6 is not a hex digit");
  aes = kAes;
  aes[0] = ' ';
  ExpectInvalid(Join(kSecret, kPublic, aes), "line 3: character 1 is not a hex digit");
}

TEST(RootKeyTest, FromPartsNamesTheField) {
  auto key = RootKey::FromParts(kSecret, kPublic, kAes);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->Text().ExposeText(), Join(kSecret, kPublic, kAes) + "\n");

  auto bad = RootKey::FromParts(kSecret, kPublic, kAes.substr(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("aesCipherKey has 63 characters"), std::string::npos);

  bad = RootKey::FromParts(kPublic, kPublic, kAes);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("ageSecretKey"), std::string::npos);

  bad = RootKey::FromParts(kSecret, kPublic + "\n", kAes);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("agePublicKey"), std::string::npos);
}

TEST(RootKeyTest, MovesKeepTheKey) {
  auto key = RootKey::Parse(Bytes(Join(kSecret, kPublic, kAes)));
  ASSERT_TRUE(key.ok());
  RootKey moved = std::move(key).value();
  EXPECT_EQ(moved.aes_key_hex().ExposeText(), kAes);
}

}  // namespace
}  // namespace vsecm::kernel
