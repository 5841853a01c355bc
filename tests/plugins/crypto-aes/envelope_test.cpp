#include "vsecm/aes/envelope.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::aes {
namespace {

using kernel::SecretBuilder;
using kernel::SecretBytes;

// Scratch from the kernel's secure allocator, as vsecm-keygen does it.
class KernelScratch final : public SecureScratch {
 public:
  std::span<uint8_t> Acquire(size_t n) override {
    block_ = SecretBytes(n);
    return block_.Mutable();
  }

 private:
  SecretBytes block_;
};

std::array<uint8_t, kKeySize> RandomKey() {
  std::array<uint8_t, kKeySize> key;
  EXPECT_EQ(RAND_bytes(key.data(), key.size()), 1);
  return key;
}

ByteView Text(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto p = Primitives::Fetch(false);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    primitives_ = *p;
    key1_ = RandomKey();
    key2_ = RandomKey();
    ASSERT_TRUE(ring_.Add(primitives_, key1_).ok());
  }

  std::vector<uint8_t> SealWith(const KeyRing& ring, ByteView plaintext) {
    SecretBuilder builder;
    sdk::Sink sink(builder.sink());
    Status s = Seal(primitives_, *ring.Newest(), plaintext, sink);
    EXPECT_TRUE(s.ok()) << s.ToString();
    SecretBytes out = builder.Take();
    return {out.Expose().begin(), out.Expose().end()};
  }

  // Opens `record`; on failure asserts that nothing reached the sink.
  StatusOr<SecretBytes> OpenWith(const KeyRing& ring, ByteView record) {
    SecretBuilder builder;
    sdk::Sink sink(builder.sink());
    KernelScratch scratch;
    Status s = Open(primitives_, ring, record, scratch, sink);
    if (!s.ok()) {
      EXPECT_EQ(builder.size(), 0u) << "plain text reached the sink of a failed open";
      return s;
    }
    return builder.Take();
  }

  Primitives primitives_;
  std::array<uint8_t, kKeySize> key1_{};
  std::array<uint8_t, kKeySize> key2_{};
  KeyRing ring_;
};

TEST_F(EnvelopeTest, RoundTripKeepsTheLayout) {
  const std::string plain = "{\"username\":\"admin\",\"password\":\"hunter2\"}";
  std::vector<uint8_t> record = SealWith(ring_, Text(plain));
  ASSERT_EQ(record.size(), SealedSize(plain.size()));
  EXPECT_EQ(std::memcmp(record.data(), "VSECMAES", 8), 0);
  EXPECT_EQ(record[8], kFormatVersion);
  EXPECT_TRUE(LooksLikeAesEnvelope(record));
  auto header = ParseEnvelopeHeader(record);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->key_id, ring_.Newest()->id);
  EXPECT_EQ(header->ciphertext_size, plain.size());
  // The plain text is nowhere in the record.
  EXPECT_EQ(std::search(record.begin(), record.end(), plain.begin(), plain.end()), record.end());

  auto opened = OpenWith(ring_, record);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->ExposeText(), plain);
}

TEST_F(EnvelopeTest, EmptyAndOneMebibytePayloads) {
  std::vector<uint8_t> empty_record = SealWith(ring_, {});
  EXPECT_EQ(empty_record.size(), kOverhead);
  auto opened = OpenWith(ring_, empty_record);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->size(), 0u);

  std::vector<uint8_t> big(size_t{1} << 20);
  ASSERT_EQ(RAND_bytes(big.data(), big.size()), 1);
  std::vector<uint8_t> record = SealWith(ring_, big);
  ASSERT_EQ(record.size(), big.size() + kOverhead);
  opened = OpenWith(ring_, record);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_TRUE(opened->Equals(big));
}

// An independent decryption with OpenSSL's legacy one-shot cipher object, to pin the format:
// AAD = the 29 header bytes, IV = the nonce, tag = the last 16 bytes.
TEST_F(EnvelopeTest, FormatMatchesPlainOpensslGcm) {
  Nonce nonce;
  for (size_t i = 0; i < nonce.size(); ++i) nonce[i] = static_cast<uint8_t>(i);
  const std::string plain = "format pin";
  SecretBuilder builder;
  sdk::Sink sink(builder.sink());
  ASSERT_TRUE(Seal(primitives_, *ring_.Newest(), nonce, Text(plain), sink).ok());
  SecretBytes record = builder.Take();
  ByteView r = record.Expose();
  ASSERT_EQ(std::memcmp(r.data() + 17, nonce.data(), nonce.size()), 0);

  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nullptr, key1_.data(), nonce.data()), 1);
  int len = 0;
  ASSERT_EQ(EVP_DecryptUpdate(ctx, nullptr, &len, r.data(), kHeaderSize), 1);
  std::string out(plain.size(), '\0');
  ASSERT_EQ(EVP_DecryptUpdate(ctx, reinterpret_cast<uint8_t*>(out.data()), &len,
                              r.data() + kHeaderSize, plain.size()),
            1);
  std::array<uint8_t, kTagSize> tag;
  std::memcpy(tag.data(), r.data() + r.size() - kTagSize, kTagSize);
  ASSERT_EQ(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, kTagSize, tag.data()), 1);
  EXPECT_EQ(EVP_DecryptFinal_ex(ctx, nullptr, &len), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(out, plain);
}

TEST_F(EnvelopeTest, EveryFlippedBitIsRefused) {
  const std::string plain = "sixteen byte msg";
  const std::vector<uint8_t> record = SealWith(ring_, Text(plain));
  for (size_t i = 0; i < record.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> bad = record;
      bad[i] ^= static_cast<uint8_t>(1u << bit);
      auto opened = OpenWith(ring_, bad);
      ASSERT_FALSE(opened.ok()) << "byte " << i << " bit " << bit;
      StatusCode expected = StatusCode::kIntegrityFailure;  // nonce, cipher text, tag
      if (i < 9) expected = StatusCode::kInvalidArgument;   // magic, version
      else if (i < 17) expected = StatusCode::kNotFound;    // key id
      EXPECT_EQ(opened.status().code(), expected) << "byte " << i << ": "
                                                  << opened.status().ToString();
    }
  }
}

TEST_F(EnvelopeTest, TruncatedAndExtendedRecordsAreRefused) {
  const std::vector<uint8_t> record = SealWith(ring_, Text("a record to cut short"));
  for (size_t n = 0; n < record.size(); ++n) {
    auto opened = OpenWith(ring_, ByteView(record.data(), n));
    ASSERT_FALSE(opened.ok()) << n;
    if (n >= kMagic.size() + 1 && n < kOverhead) {
      EXPECT_EQ(opened.status().code(), StatusCode::kDataLoss) << n;
      EXPECT_NE(opened.status().message().find("truncated"), std::string::npos);
    }
  }
  std::vector<uint8_t> longer = record;
  longer.push_back(0);
  auto opened = OpenWith(ring_, longer);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kIntegrityFailure);
}

TEST_F(EnvelopeTest, WrongMagicAndVersionAreNamed) {
  std::vector<uint8_t> record = SealWith(ring_, Text("x"));
  std::vector<uint8_t> age(record);
  std::memcpy(age.data(), "age-encr", 8);
  EXPECT_FALSE(LooksLikeAesEnvelope(age));
  auto opened = OpenWith(ring_, age);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("magic"), std::string::npos);

  record[8] = 2;
  opened = OpenWith(ring_, record);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(opened.status().message().find("version 2"), std::string::npos);
}

TEST_F(EnvelopeTest, RotationDecryptsOldRecordsAndSealsWithTheNewest) {
  const std::vector<uint8_t> old_record = SealWith(ring_, Text("sealed under key 1"));
  KeyRing rotated;
  ASSERT_TRUE(rotated.Add(primitives_, key1_).ok());
  ASSERT_TRUE(rotated.Add(primitives_, key2_).ok());
  ASSERT_EQ(rotated.size(), 2u);

  auto opened = OpenWith(rotated, old_record);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->ExposeText(), "sealed under key 1");

  const std::vector<uint8_t> new_record = SealWith(rotated, Text("sealed under key 2"));
  auto header = ParseEnvelopeHeader(new_record);
  ASSERT_TRUE(header.ok());
  EXPECT_EQ(header->key_id, *primitives_.IdOf(key2_));
  EXPECT_NE(header->key_id, *primitives_.IdOf(key1_));

  // The original ring holds only key 1: the new record's key is unknown to it.
  auto refused = OpenWith(ring_, new_record);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(refused.status().message(),
            "no key with id " + KeyIdHex(header->key_id) + " in the key set");
}

TEST_F(EnvelopeTest, KeyIdsAreStableDistinctAndNotTheKey) {
  auto a = primitives_.IdOf(key1_);
  auto b = primitives_.IdOf(key1_);
  auto c = primitives_.IdOf(key2_);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_NE(std::memcmp(a->data(), key1_.data(), kKeyIdSize), 0);
  EXPECT_EQ(KeyIdHex(*a).size(), 16u);
  // Order of insertion does not change ids.
  KeyRing reversed;
  ASSERT_TRUE(reversed.Add(primitives_, key2_).ok());
  ASSERT_TRUE(reversed.Add(primitives_, key1_).ok());
  ASSERT_NE(reversed.Find(*a), nullptr);
  EXPECT_EQ(reversed.Find(*a)->bytes.data(), key1_.data());
  // A key already held is refused.
  Status dup = reversed.Add(primitives_, key2_);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
}

TEST_F(EnvelopeTest, NoncesDoNotRepeatOverTenThousandRecords) {
  std::set<Nonce> nonces;
  const uint8_t plain[1] = {42};
  for (int i = 0; i < 10000; ++i) {
    std::vector<uint8_t> record = SealWith(ring_, plain);
    auto header = ParseEnvelopeHeader(record);
    ASSERT_TRUE(header.ok());
    ASSERT_TRUE(nonces.insert(header->nonce).second) << "nonce repeated at record " << i;
  }
  EXPECT_EQ(nonces.size(), 10000u);
}

TEST(PrimitivesTest, FipsRequiredIsEitherHonouredOrRefusedClearly) {
  auto fips = Primitives::Fetch(true);
  if (fips.ok()) {
    EXPECT_TRUE(fips->fips());
    EXPECT_EQ(fips->provider_name(), "fips");
    return;
  }
  EXPECT_EQ(fips.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(fips.status().message().find("FIPS provider"), std::string::npos)
      << fips.status().message();
  EXPECT_NE(fips.status().message().find("fips_required"), std::string::npos);

  auto plain = Primitives::Fetch(false);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->fips());
  EXPECT_EQ(plain->provider_name(), "default");
}

TEST(PrimitivesTest, UnfetchedPrimitivesRefuseWork) {
  Primitives none;
  std::array<uint8_t, kKeySize> key{};
  EXPECT_EQ(none.IdOf(key).status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vsecm::aes
