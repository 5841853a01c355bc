#include "vsecm/kernel/key_derivation.hpp"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "kernel_fixture.hpp"

namespace vsecm::kernel {
namespace {

std::string Hex(std::span<const uint8_t> bytes) {
  std::string out;
  for (uint8_t b : bytes) out += fmt::format("{:02x}", b);
  return out;
}

TEST(KeyDerivationTest, MatchesRfc5869TestCase3) {
  std::vector<uint8_t> ikm(22, 0x0b);  // no salt, no info
  auto okm = DeriveKey(ikm, "", 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(Hex(okm->Expose()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(KeyDerivationTest, DifferentLabelsGiveDifferentKeys) {
  std::vector<uint8_t> ikm(32, 0x42);
  auto a = DeriveKey(ikm, "vsecm-store-key-v1:a", 32);
  auto b = DeriveKey(ikm, "vsecm-store-key-v1:b", 32);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->Equals(b->Expose()));
  EXPECT_FALSE(DeriveKey({}, "x", 32).ok());
}

TEST(KeyDerivationTest, AStoreReceivesItsOwnDerivedKey) {
  vsecm::testing::KernelFixture f("vsecm-crypto-aes");
  ASSERT_OK(f.Start());
  auto root_key = RootKey::Parse({reinterpret_cast<const uint8_t*>(vsecm::testing::kTestRootKey),
                                  std::strlen(vsecm::testing::kTestRootKey)});
  ASSERT_TRUE(root_key.ok());
  SecretBytes text = root_key->Text();
  auto expected = DeriveKey(text.Expose(), "vsecm-store-key-v1:recording-store", 32);
  ASSERT_TRUE(expected.ok());
  uint8_t digest[32];
  unsigned int len = 0;
  EVP_Digest(expected->Expose().data(), 32, digest, &len, EVP_sha256(), nullptr);
  EXPECT_EQ(vsecm::testing::ReadAll(f.store_dir() / "store-key.sha256"),
            std::string(reinterpret_cast<const char*>(digest), len));
}

}  // namespace
}  // namespace vsecm::kernel
