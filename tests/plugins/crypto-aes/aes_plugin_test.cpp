// vsecm-crypto-aes.so loaded with dlopen and driven through the C ABI with a fake host.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/aes/envelope.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace {

using vsecm::StatusCode;
using vsecm::kernel::SecretBuilder;
using vsecm::kernel::SecretBytes;

const std::string kKey1 = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
const std::string kKey2 = "F0E1D2C3B4A5968778695A4B3C2D1E0FF0E1D2C3B4A5968778695A4B3C2D1E0F";

// The host services a plugin sees: logs are recorded, random comes from RAND_bytes, secure
// memory from the kernel's allocator, configuration from a map.
struct FakeHost {
  std::mutex mu;
  std::vector<std::pair<int32_t, std::string>> logs;
  std::map<std::string, std::string> config;
  std::atomic<int64_t> live_secure_bytes{0};
  vsecm_host_api api{};

  FakeHost() {
    api.struct_size = sizeof(api);
    api.abi_major = VSECM_ABI_VERSION_MAJOR;
    api.abi_minor = VSECM_ABI_VERSION_MINOR;
    api.ctx_host = this;
    api.log = [](void* ctx, int32_t level, const char* msg, size_t len) {
      auto* self = static_cast<FakeHost*>(ctx);
      std::lock_guard lock(self->mu);
      self->logs.emplace_back(level, std::string(msg, len));
    };
    api.random_bytes = [](void*, uint8_t* buf, size_t len) -> vsecm_status {
      return RAND_bytes(buf, static_cast<int>(len)) == 1 ? VSECM_OK : VSECM_INTERNAL;
    };
    api.secure_alloc = [](void* ctx, size_t len) {
      static_cast<FakeHost*>(ctx)->live_secure_bytes += static_cast<int64_t>(len);
      return vsecm::kernel::SecureAlloc(len);
    };
    api.secure_free = [](void* ctx, uint8_t* p, size_t len) {
      static_cast<FakeHost*>(ctx)->live_secure_bytes -= static_cast<int64_t>(len);
      vsecm::kernel::SecureFree(p, len);
    };
    api.config_get = [](void* ctx, const char* key, vsecm_bytes* out) -> vsecm_status {
      auto* self = static_cast<FakeHost*>(ctx);
      auto it = self->config.find(key);
      if (it == self->config.end()) return VSECM_NOT_FOUND;
      *out = {reinterpret_cast<const uint8_t*>(it->second.data()), it->second.size()};
      return VSECM_OK;
    };
    api.now_unix_ms = [](void*) -> uint64_t { return 0; };
  }
};

vsecm_bytes Bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}
vsecm_bytes Bytes(std::span<const uint8_t> s) { return {s.data(), s.size()}; }

class AesPluginTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    handle_ = dlopen(VSECM_TEST_PLUGIN_DIR "/vsecm-crypto-aes.so", RTLD_NOW | RTLD_LOCAL);
    ASSERT_NE(handle_, nullptr) << dlerror();
    auto entry = reinterpret_cast<vsecm_plugin_entry_fn>(dlsym(handle_, VSECM_PLUGIN_ENTRY_SYMBOL));
    ASSERT_NE(entry, nullptr);
    descriptor_ = entry();
  }
  static void TearDownTestSuite() {
    if (handle_ != nullptr) dlclose(handle_);
  }

  void SetUp() override {
    ASSERT_NE(descriptor_, nullptr);
    crypto_ = static_cast<const vsecm_crypto_v1*>(descriptor_->functions);
    host_.config["fips_required"] = "false";
  }
  void TearDown() override {
    if (instance_ != nullptr) descriptor_->destroy(instance_);
    EXPECT_EQ(host_.live_secure_bytes.load(), 0) << "secure memory leaked";
  }

  vsecm_status Create() { return descriptor_->create(&host_.api, &instance_, Err()); }
  vsecm_status SetKeys(std::string_view material) {
    return crypto_->set_keys(instance_, Bytes(material), Err());
  }
  vsecm_status Encrypt(vsecm_bytes plain, std::vector<uint8_t>* out) {
    SecretBuilder builder;
    vsecm_status s = crypto_->encrypt(instance_, plain, builder.sink(), Err());
    SecretBytes bytes = builder.Take();
    out->assign(bytes.Expose().begin(), bytes.Expose().end());
    return s;
  }
  // Decrypts; a failed call must leave nothing in the sink.
  vsecm_status Decrypt(const std::vector<uint8_t>& record, SecretBytes* out) {
    SecretBuilder builder;
    vsecm_status s = crypto_->decrypt(instance_, Bytes(record), builder.sink(), Err());
    if (s != VSECM_OK) {
      EXPECT_EQ(builder.size(), 0u);
    }
    *out = builder.Take();
    return s;
  }
  vsecm_error* Err() {
    error_ = {message_, sizeof message_, 0};
    message_[0] = '\0';
    return &error_;
  }
  std::string Message() const { return std::string(message_, error_.len); }

  static inline void* handle_ = nullptr;
  static inline const vsecm_plugin_descriptor* descriptor_ = nullptr;
  const vsecm_crypto_v1* crypto_ = nullptr;
  FakeHost host_;
  void* instance_ = nullptr;
  char message_[512] = {};
  vsecm_error error_{};
};

TEST_F(AesPluginTest, DescriptorDeclaresWhatTheKernelChecks) {
  EXPECT_EQ(descriptor_->abi_major, VSECM_ABI_VERSION_MAJOR);
  EXPECT_EQ(descriptor_->kind, VSECM_KIND_CRYPTO);
  EXPECT_STREQ(descriptor_->name, "vsecm-crypto-aes");
  EXPECT_TRUE(descriptor_->flags & VSECM_PLUGIN_FLAG_THREAD_SAFE);
  EXPECT_STREQ(crypto_->algorithm, "aes-256-gcm");
  ASSERT_EQ(descriptor_->config_field_count, 1u);
  const vsecm_config_field& f = descriptor_->config_fields[0];
  EXPECT_STREQ(f.name, "fips_required");
  EXPECT_EQ(f.type, VSECM_CONFIG_BOOLEAN);
  EXPECT_STREQ(f.default_value, "false");
  EXPECT_STREQ(f.env, "VSECM_SAFE_FIPS_REQUIRED");
}

TEST_F(AesPluginTest, SaysWhichProviderAtStart) {
  ASSERT_EQ(Create(), VSECM_OK) << Message();
  ASSERT_EQ(host_.logs.size(), 1u);
  EXPECT_EQ(host_.logs[0].first, VSECM_LOG_INFO);
  EXPECT_NE(host_.logs[0].second.find("default provider; FIPS not required"), std::string::npos)
      << host_.logs[0].second;
}

TEST_F(AesPluginTest, FipsRequiredWithoutFipsProviderRefusesCreate) {
  host_.config["fips_required"] = "true";
  vsecm_status s = Create();
  if (s == VSECM_OK) {  // a host with an active FIPS provider
    ASSERT_FALSE(host_.logs.empty());
    EXPECT_NE(host_.logs[0].second.find("FIPS provider active"), std::string::npos);
    return;
  }
  EXPECT_EQ(s, VSECM_FAILED_PRECONDITION);
  EXPECT_EQ(instance_, nullptr);
  EXPECT_NE(Message().find("FIPS provider"), std::string::npos) << Message();
}

TEST_F(AesPluginTest, RefusesWorkBeforeKeys) {
  ASSERT_EQ(Create(), VSECM_OK);
  std::vector<uint8_t> out;
  EXPECT_EQ(Encrypt(Bytes("x"), &out), VSECM_FAILED_PRECONDITION);
  EXPECT_NE(Message().find("no keys"), std::string::npos);
  SecretBytes plain;
  EXPECT_EQ(Decrypt(std::vector<uint8_t>(64, 0), &plain), VSECM_FAILED_PRECONDITION);
}

TEST_F(AesPluginTest, RefusesMalformedKeyMaterialWithoutEchoingIt) {
  ASSERT_EQ(Create(), VSECM_OK);
  struct Case {
    std::string material;
    std::string needle;
  };
  const std::vector<Case> cases = {
      {"", "empty"},
      {kKey1.substr(1), "line 1 has 63 characters"},
      {kKey1 + "\n" + kKey2 + "0\n", "line 2 has 65 characters"},
      {kKey1 + "\n\n", "line 2 has 0 characters"},
      {kKey1 + "\r\n", "carriage return"},
      {kKey1.substr(0, 63) + "g", "line 1: not a hex string"},
      {kKey1 + "\n" + kKey1, "line 2 repeats an earlier key"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(SetKeys(c.material), VSECM_INVALID_ARGUMENT) << c.needle;
    EXPECT_NE(Message().find(c.needle), std::string::npos) << Message();
    EXPECT_EQ(Message().find(kKey1.substr(0, 12)), std::string::npos) << Message();
  }
  std::vector<uint8_t> out;
  EXPECT_EQ(Encrypt(Bytes("x"), &out), VSECM_FAILED_PRECONDITION) << "a refused set installed";
}

TEST_F(AesPluginTest, RoundTripThroughTheAbi) {
  ASSERT_EQ(Create(), VSECM_OK);
  ASSERT_EQ(SetKeys(kKey1 + "\n"), VSECM_OK) << Message();
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{1} << 20}) {
    std::vector<uint8_t> plain(size);
    ASSERT_EQ(RAND_bytes(plain.data(), static_cast<int>(plain.size())), 1);
    std::vector<uint8_t> record;
    ASSERT_EQ(Encrypt(Bytes(plain), &record), VSECM_OK) << Message();
    ASSERT_EQ(record.size(), vsecm::aes::SealedSize(size));
    SecretBytes back;
    ASSERT_EQ(Decrypt(record, &back), VSECM_OK) << Message();
    EXPECT_TRUE(back.Equals(plain)) << size;
  }
}

TEST_F(AesPluginTest, TamperedRecordIsAnIntegrityFailure) {
  ASSERT_EQ(Create(), VSECM_OK);
  ASSERT_EQ(SetKeys(kKey1), VSECM_OK);
  std::vector<uint8_t> record;
  ASSERT_EQ(Encrypt(Bytes("do not touch"), &record), VSECM_OK);
  for (size_t i : {size_t{20}, vsecm::aes::kHeaderSize + 3, record.size() - 1}) {
    std::vector<uint8_t> bad = record;
    bad[i] ^= 0x80;
    SecretBytes plain;
    EXPECT_EQ(Decrypt(bad, &plain), VSECM_INTEGRITY_FAILURE) << i;
    EXPECT_NE(Message().find("authentication failed"), std::string::npos);
  }
  record.resize(record.size() - 17);
  SecretBytes plain;
  EXPECT_EQ(Decrypt(record, &plain), VSECM_DATA_LOSS) << Message();
}

TEST_F(AesPluginTest, RotationKeepsOldRecordsReadable) {
  ASSERT_EQ(Create(), VSECM_OK);
  ASSERT_EQ(SetKeys(kKey1 + "\n"), VSECM_OK);
  std::vector<uint8_t> old_record;
  ASSERT_EQ(Encrypt(Bytes("old"), &old_record), VSECM_OK);

  ASSERT_EQ(SetKeys(kKey1 + "\n" + kKey2 + "\n"), VSECM_OK) << Message();
  SecretBytes plain;
  ASSERT_EQ(Decrypt(old_record, &plain), VSECM_OK) << Message();
  EXPECT_EQ(plain.ExposeText(), "old");

  std::vector<uint8_t> new_record;
  ASSERT_EQ(Encrypt(Bytes("new"), &new_record), VSECM_OK);
  auto old_header = vsecm::aes::ParseEnvelopeHeader(old_record);
  auto new_header = vsecm::aes::ParseEnvelopeHeader(new_record);
  ASSERT_TRUE(old_header.ok() && new_header.ok());
  EXPECT_NE(old_header->key_id, new_header->key_id);

  // The key id is a function of the key alone: the library computes the same one.
  auto primitives = vsecm::aes::Primitives::Fetch(false);
  ASSERT_TRUE(primitives.ok());
  std::array<uint8_t, 32> key2{};
  for (size_t i = 0; i < 32; ++i) key2[i] = static_cast<uint8_t>(std::stoi(kKey2.substr(2 * i, 2), nullptr, 16));
  EXPECT_EQ(new_header->key_id, *primitives->IdOf(key2));

  // Dropping key 1 makes its records unreadable, with the id named.
  ASSERT_EQ(SetKeys(kKey2), VSECM_OK);
  EXPECT_EQ(Decrypt(old_record, &plain), VSECM_NOT_FOUND);
  EXPECT_EQ(Message(), "no key with id " + vsecm::aes::KeyIdHex(old_header->key_id) +
                           " in the key set");
  ASSERT_EQ(Decrypt(new_record, &plain), VSECM_OK);
  EXPECT_EQ(plain.ExposeText(), "new");
}

TEST_F(AesPluginTest, ConcurrentCallsWhileKeysRotate) {
  ASSERT_EQ(Create(), VSECM_OK);
  ASSERT_EQ(SetKeys(kKey1), VSECM_OK);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string plain = "thread " + std::to_string(t) + " record " + std::to_string(i);
        SecretBuilder sealed;
        char msg[256];
        vsecm_error err{msg, sizeof msg, 0};
        if (crypto_->encrypt(instance_, Bytes(plain), sealed.sink(), &err) != VSECM_OK) {
          ++failures;
          continue;
        }
        SecretBytes record = sealed.Take();
        SecretBuilder opened;
        if (crypto_->decrypt(instance_, Bytes(record.Expose()), opened.sink(), &err) != VSECM_OK ||
            opened.Take().ExposeText() != plain) {
          ++failures;
        }
      }
    });
  }
  // Key sets that always contain key 1 and key 2 in either role: every record stays readable.
  for (int i = 0; i < 50; ++i) {
    ASSERT_EQ(SetKeys(i % 2 ? kKey1 + "\n" + kKey2 : kKey2 + "\n" + kKey1), VSECM_OK) << Message();
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
