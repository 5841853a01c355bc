// The vsecm-crypto-age plugin as the kernel sees it: dlopen the built .so, call the exported
// descriptor through the C ABI with a small host of our own, and check keys, round trips,
// refusals and concurrent use.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "age_test_util.hpp"
#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::age {
namespace {

struct FakeHost {
  std::atomic<int> secure_blocks{0};
  std::atomic<int> log_lines{0};
};

vsecm_host_api MakeHostApi(FakeHost* host) {
  vsecm_host_api api{};
  api.struct_size = sizeof(vsecm_host_api);
  api.abi_major = VSECM_ABI_VERSION_MAJOR;
  api.abi_minor = VSECM_ABI_VERSION_MINOR;
  api.ctx_host = host;
  api.log = [](void* ctx, int32_t, const char*, size_t) {
    static_cast<FakeHost*>(ctx)->log_lines++;
  };
  api.random_bytes = [](void*, uint8_t* buf, size_t len) -> vsecm_status {
    return RAND_bytes(buf, static_cast<int>(len)) == 1 ? VSECM_OK : VSECM_INTERNAL;
  };
  api.secure_alloc = [](void* ctx, size_t len) {
    uint8_t* p = vsecm::kernel::SecureAlloc(len);
    if (p != nullptr) static_cast<FakeHost*>(ctx)->secure_blocks++;
    return p;
  };
  api.secure_free = [](void* ctx, uint8_t* p, size_t len) {
    vsecm::kernel::SecureFree(p, len);
    static_cast<FakeHost*>(ctx)->secure_blocks--;
  };
  api.config_get = [](void*, const char*, vsecm_bytes*) -> vsecm_status { return VSECM_NOT_FOUND; };
  api.now_unix_ms = [](void*) -> uint64_t {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  };
  return api;
}

class AgePluginTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path = std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-crypto-age.so";
    handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<vsecm_plugin_entry_fn>(dlsym(handle_, VSECM_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    desc_ = entry();
    ASSERT_NE(desc_, nullptr);
    ASSERT_EQ(desc_->kind, VSECM_KIND_CRYPTO);
    fns_ = static_cast<const vsecm_crypto_v1*>(desc_->functions);
    api_ = MakeHostApi(&host_);
    char msg[256];
    vsecm_error err{msg, sizeof msg, 0};
    ASSERT_EQ(desc_->create(&api_, &instance_, &err), VSECM_OK) << msg;
  }

  void TearDown() override {
    if (instance_ != nullptr) desc_->destroy(instance_);
    EXPECT_EQ(host_.secure_blocks.load(), 0) << "secure memory leaked";
    if (handle_ != nullptr) dlclose(handle_);
  }

  struct Result {
    vsecm_status status;
    std::string message;
    std::vector<uint8_t> out;
  };

  Result SetKeys(const std::string& material) {
    Result r{};
    char msg[256] = {};
    vsecm_error err{msg, sizeof msg, 0};
    r.status = fns_->set_keys(
        instance_, {reinterpret_cast<const uint8_t*>(material.data()), material.size()}, &err);
    r.message = msg;
    return r;
  }

  Result Call(bool encrypt, const std::vector<uint8_t>& in) {
    vsecm::kernel::SecretBuilder builder;
    char msg[256] = {};
    vsecm_error err{msg, sizeof msg, 0};
    Result r{};
    vsecm_bytes bytes{in.data(), in.size()};
    r.status = encrypt ? fns_->encrypt(instance_, bytes, builder.sink(), &err)
                       : fns_->decrypt(instance_, bytes, builder.sink(), &err);
    r.message = msg;
    if (r.status == VSECM_OK) {
      vsecm::kernel::SecretBytes taken = builder.Take();
      r.out.assign(taken.Expose().begin(), taken.Expose().end());
    }
    return r;
  }

  FakeHost host_;
  vsecm_host_api api_{};
  void* handle_ = nullptr;
  const vsecm_plugin_descriptor* desc_ = nullptr;
  const vsecm_crypto_v1* fns_ = nullptr;
  void* instance_ = nullptr;
};

TEST_F(AgePluginTest, Descriptor) {
  EXPECT_STREQ(desc_->name, "vsecm-crypto-age");
  EXPECT_STREQ(desc_->version, "1.0.0");
  EXPECT_STREQ(fns_->algorithm, "age");
  EXPECT_EQ(desc_->abi_major, VSECM_ABI_VERSION_MAJOR);
  EXPECT_TRUE(desc_->flags & VSECM_PLUGIN_FLAG_THREAD_SAFE);
}

TEST_F(AgePluginTest, RefusesWorkBeforeKeys) {
  EXPECT_EQ(Call(true, testing::Bytes("x")).status, VSECM_FAILED_PRECONDITION);
  EXPECT_EQ(Call(false, testing::Bytes("x")).status, VSECM_FAILED_PRECONDITION);
}

TEST_F(AgePluginTest, RoundTripAndArmoredInput) {
  testing::KeyPair kp = testing::NewKeyPair();
  Result set = SetKeys(kp.identity_text + "\n" + kp.recipient_text + "\n");
  ASSERT_EQ(set.status, VSECM_OK) << set.message;
  const std::vector<uint8_t> plain = testing::RandomBytes(70000);
  Result enc = Call(true, plain);
  ASSERT_EQ(enc.status, VSECM_OK) << enc.message;
  EXPECT_TRUE(LooksLikeAge(enc.out));
  EXPECT_EQ(enc.out[0], 'a') << "binary, not armored";
  Result dec = Call(false, enc.out);
  ASSERT_EQ(dec.status, VSECM_OK) << dec.message;
  EXPECT_EQ(dec.out, plain);

  // The library's own output, armored, to the plugin's recipient.
  testing::Output armored = testing::EncryptTo(std::span<const Recipient>(&kp.recipient, 1),
                                               testing::Bytes("armored"), Armor::kArmored);
  ASSERT_TRUE(armored.status.ok());
  Result dec2 = Call(false, armored.data);
  ASSERT_EQ(dec2.status, VSECM_OK) << dec2.message;
  EXPECT_EQ(testing::Text(dec2.out), "armored");

  // Tampering: integrity failure, reported through the ABI.
  std::vector<uint8_t> bad = enc.out;
  bad[bad.size() / 2] ^= 1;
  Result rejected = Call(false, bad);
  EXPECT_EQ(rejected.status, VSECM_INTEGRITY_FAILURE) << rejected.message;
  EXPECT_FALSE(rejected.message.empty());

  // A file for somebody else.
  testing::KeyPair other = testing::NewKeyPair();
  testing::Output foreign = testing::EncryptTo(std::span<const Recipient>(&other.recipient, 1),
                                               testing::Bytes("not yours"));
  EXPECT_EQ(Call(false, foreign.data).status, VSECM_NOT_FOUND);
}

TEST_F(AgePluginTest, KeyMaterialFormats) {
  testing::KeyPair kp = testing::NewKeyPair();
  EXPECT_EQ(SetKeys(kp.identity_text + "\n" + kp.recipient_text).status, VSECM_OK);
  EXPECT_EQ(SetKeys(kp.identity_text + "\r\n" + kp.recipient_text + "\r\n").status, VSECM_OK);
  for (const std::string& bad :
       {std::string(), kp.identity_text, kp.identity_text + "\n",
        kp.identity_text + "\n" + kp.recipient_text + "\n\n",
        kp.identity_text + "\n" + kp.recipient_text + "\n" + std::string(64, 'a') + "\n",
        kp.recipient_text + "\n" + kp.identity_text + "\n",
        " " + kp.identity_text + "\n" + kp.recipient_text + "\n"}) {
    Result r = SetKeys(bad);
    EXPECT_EQ(r.status, VSECM_INVALID_ARGUMENT);
    EXPECT_EQ(r.message.find(kp.identity_text.substr(16, 20)), std::string::npos)
        << "message leaks the key";
  }
}

TEST_F(AgePluginTest, MismatchedKeyPairIsRefusedAndKeepsOldKeys) {
  testing::KeyPair a = testing::NewKeyPair(), b = testing::NewKeyPair();
  ASSERT_EQ(SetKeys(a.identity_text + "\n" + a.recipient_text + "\n").status, VSECM_OK);
  Result enc = Call(true, testing::Bytes("kept"));
  ASSERT_EQ(enc.status, VSECM_OK);
  Result r = SetKeys(a.identity_text + "\n" + b.recipient_text + "\n");
  EXPECT_EQ(r.status, VSECM_INVALID_ARGUMENT);
  EXPECT_EQ(r.message, "the age public key does not belong to the age secret key");
  // The failed call left the previous keys in place.
  Result dec = Call(false, enc.out);
  ASSERT_EQ(dec.status, VSECM_OK);
  EXPECT_EQ(testing::Text(dec.out), "kept");
  // Replacing the keys works, and old files no longer open.
  ASSERT_EQ(SetKeys(b.identity_text + "\n" + b.recipient_text + "\n").status, VSECM_OK);
  EXPECT_EQ(Call(false, enc.out).status, VSECM_NOT_FOUND);
}

TEST_F(AgePluginTest, ConcurrentCallsAndKeyChanges) {
  testing::KeyPair kp = testing::NewKeyPair();
  const std::string material = kp.identity_text + "\n" + kp.recipient_text + "\n";
  ASSERT_EQ(SetKeys(material).status, VSECM_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        std::vector<uint8_t> plain = testing::RandomBytes(static_cast<size_t>(100 + t * 10 + i));
        Result enc = Call(true, plain);
        Result dec = enc.status == VSECM_OK ? Call(false, enc.out) : enc;
        if (dec.status != VSECM_OK || dec.out != plain) failures++;
      }
    });
  }
  threads.emplace_back([&] {
    for (int i = 0; i < 50; ++i) {
      if (SetKeys(material).status != VSECM_OK) failures++;
    }
  });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace vsecm::age
