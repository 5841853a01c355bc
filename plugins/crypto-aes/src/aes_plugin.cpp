// vsecm-crypto-aes: the AES-256-GCM crypto plugin (VSecM's FIPS mode).
//
// Key material (set_keys): one or more lines, each 64 hex characters (one AES-256 key), oldest
// first, newest last; a final newline is optional; CR characters are refused. Records under any
// of the keys decrypt; new records use the newest. The keys live in host SecureAlloc memory.
#include <array>
#include <cstdint>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "vsecm/aes/envelope.hpp"
#include "vsecm/sdk/plugin.hpp"

namespace vsecm::aes {
namespace {

constexpr size_t kHexKeyChars = kKeySize * 2;
constexpr size_t kMaxKeys = 1024;

// 1 when lo <= c <= hi, else 0, without a branch on c (key bytes must not steer branches).
inline int32_t InRange(int32_t c, int32_t lo, int32_t hi) {
  return (~((c - lo) | (hi - c)) >> 31) & 1;
}

// The value of hex digit c, or -1; branch-free in c.
inline int32_t HexValue(uint8_t byte) {
  const int32_t c = byte;
  const int32_t digit = InRange(c, '0', '9');
  const int32_t lower = InRange(c, 'a', 'f');
  const int32_t upper = InRange(c, 'A', 'F');
  const int32_t value = (-digit & (c - '0')) | (-lower & (c - 'a' + 10)) |
                        (-upper & (c - 'A' + 10));
  const int32_t valid = digit | lower | upper;
  return (-valid & value) | (valid - 1);
}

class AesCryptoPlugin final : public sdk::CryptoPlugin {
 public:
  static constexpr const char* kName = "vsecm-crypto-aes";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "AES-256-GCM records in a versioned envelope, with key rotation and optional FIPS mode";
  static constexpr const char* kAlgorithm = "aes-256-gcm";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;
  static constexpr vsecm_config_field kConfig[] = {
      {"fips_required", VSECM_CONFIG_BOOLEAN, 0, "false", "VSECM_SAFE_FIPS_REQUIRED",
       "refuse to start unless AES-256-GCM and SHA-256 come from the OpenSSL FIPS provider"}};

  explicit AesCryptoPlugin(sdk::Host host) : CryptoPlugin(host) {
    StatusOr<Primitives> primitives = Primitives::Fetch(host.ConfigBool("fips_required"));
    if (!primitives.ok()) throw StatusError(primitives.status());
    primitives_ = std::move(primitives).value();
    if (primitives_.fips()) {
      host.Log(sdk::LogLevel::kInfo, "FIPS provider active: aes-256-gcm from OpenSSL provider '" +
                                         primitives_.provider_name() + "'");
    } else {
      host.Log(sdk::LogLevel::kInfo,
               "default provider; FIPS not required: aes-256-gcm from OpenSSL provider '" +
                   primitives_.provider_name() + "'");
    }
  }

  Status SetKeys(ByteView material) override {
    size_t lines = 0;
    VSECM_RETURN_IF_ERROR(CountLines(material, &lines));
    sdk::SecureBlock block = host().SecureAlloc(lines * kKeySize);
    KeyRing ring;
    for (size_t i = 0; i < lines; ++i) {
      const uint8_t* hex = material.data() + i * (kHexKeyChars + 1);
      uint8_t* key = block.data() + i * kKeySize;
      int32_t bad = 0;
      for (size_t j = 0; j < kKeySize; ++j) {
        const int32_t hi = HexValue(hex[2 * j]);
        const int32_t lo = HexValue(hex[2 * j + 1]);
        bad |= hi | lo;  // negative once any digit was invalid
        key[j] = static_cast<uint8_t>((hi << 4) | (lo & 0xf));
      }
      if (bad < 0) {
        return InvalidArgument("aes key material line " + std::to_string(i + 1) +
                               ": not a hex string (expected 64 hex characters)");
      }
      Status added = ring.Add(primitives_, KeySpan(key, kKeySize));
      if (!added.ok()) {
        if (added.code() == StatusCode::kAlreadyExists) {
          return InvalidArgument("aes key material line " + std::to_string(i + 1) +
                                 " repeats an earlier key");
        }
        return added;
      }
    }
    std::unique_lock lock(mu_);
    keys_ = std::move(block);  // the previous keys are wiped as their block is released
    ring_ = std::move(ring);
    return Status::Ok();
  }

  Status Encrypt(ByteView plaintext, sdk::Sink& out) override {
    Nonce nonce;
    host().Random(nonce);
    std::shared_lock lock(mu_);
    const KeyRef* key = ring_.Newest();
    if (key == nullptr) return NoKeys();
    return Seal(primitives_, *key, nonce, plaintext, out);
  }

  Status Decrypt(ByteView ciphertext, sdk::Sink& out) override {
    HostScratch scratch(host());
    std::shared_lock lock(mu_);
    if (ring_.empty()) return NoKeys();
    return Open(primitives_, ring_, ciphertext, scratch, out);
  }

 private:
  static Status NoKeys() {
    return FailedPrecondition("vsecm-crypto-aes has no keys yet (set_keys was not called)");
  }

  // Checks the shape of the key material (lines of exactly 64 characters, LF-separated, an
  // optional final LF) and counts the keys. Never echoes the material.
  static Status CountLines(ByteView material, size_t* count) {
    if (material.empty()) {
      return InvalidArgument("aes key material is empty: expected one or more lines of 64 hex "
                             "characters");
    }
    size_t lines = 0;
    size_t pos = 0;
    while (pos < material.size()) {
      ++lines;
      size_t end = pos;
      while (end < material.size() && material[end] != '\n') {
        if (material[end] == '\r') {
          return InvalidArgument("aes key material line " + std::to_string(lines) +
                                 " contains a carriage return; use LF line endings");
        }
        ++end;
      }
      if (end - pos != kHexKeyChars) {
        return InvalidArgument("aes key material line " + std::to_string(lines) + " has " +
                               std::to_string(end - pos) +
                               " characters; an AES-256 key is 64 hex characters");
      }
      if (lines > kMaxKeys) {
        return InvalidArgument("aes key material holds more than " + std::to_string(kMaxKeys) +
                               " keys");
      }
      pos = end + 1;  // past the LF, or past the end when the last line has none
    }
    *count = lines;
    return Status::Ok();
  }

  Primitives primitives_;
  mutable std::shared_mutex mu_;
  sdk::SecureBlock keys_;  // the bytes ring_ refers to
  KeyRing ring_;
};

}  // namespace
}  // namespace vsecm::aes

VSECM_DEFINE_PLUGIN(vsecm::aes::AesCryptoPlugin)
