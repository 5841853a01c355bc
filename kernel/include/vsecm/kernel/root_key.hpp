// VSecM's root key: the one secret from which every crypto plugin gets its key material.
//
// Text form (compatible with VSecM's `vsecm-root-key` Secret, data key KEY_TXT):
//
//   AGE-SECRET-KEY-1<58 upper-case bech32 characters>      line 1, 74 characters
//   age1<58 lower-case bech32 characters>                  line 2, 62 characters
//   <64 hex characters>                                     line 3, the AES-256 key
//
// Lines end in LF; a final LF is optional. CR characters are refused (a file saved with CRLF
// line endings gets an error that says so) rather than silently tolerated, so that every
// accepted text maps to exactly one key and Text() gives back what was parsed. The kernel checks
// characters and lengths only; the bech32 checksum is the age plugin's to verify (the kernel
// does not depend on the age library). Errors name the line or field, never its content.
#ifndef VSECM_KERNEL_ROOT_KEY_HPP_
#define VSECM_KERNEL_ROOT_KEY_HPP_

#include <cstdint>
#include <span>
#include <string_view>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

class RootKey {
 public:
  static constexpr std::string_view kAgeSecretKeyPrefix = "AGE-SECRET-KEY-1";
  static constexpr std::string_view kAgePublicKeyPrefix = "age1";
  static constexpr size_t kAgeSecretKeyLength = 74;
  static constexpr size_t kAgePublicKeyLength = 62;
  static constexpr size_t kAesKeyHexLength = 64;

  // Algorithm names accepted by MaterialFor (the crypto plugins' vsecm_crypto_v1::algorithm).
  static constexpr std::string_view kAgeAlgorithm = "age";
  static constexpr std::string_view kAesAlgorithm = "aes-256-gcm";

  // Parses the three-line text. INVALID_ARGUMENT naming the line on any deviation.
  static StatusOr<RootKey> Parse(std::span<const uint8_t> text);

  // Builds a root key from the three fields of POST /sentinel/v1/keys (manual input mode).
  // INVALID_ARGUMENT naming the field (ageSecretKey, agePublicKey, aesCipherKey) on error.
  static StatusOr<RootKey> FromParts(std::string_view age_secret_key,
                                     std::string_view age_public_key,
                                     std::string_view aes_cipher_key);

  RootKey(RootKey&&) noexcept = default;
  RootKey& operator=(RootKey&&) noexcept = default;

  // The key material a crypto plugin's set_keys expects:
  //   "age"         -> "AGE-SECRET-KEY-1...\nage1...\n"
  //   "aes-256-gcm" -> "<64 hex>\n"
  // NOT_FOUND for an algorithm the root key holds no key for.
  StatusOr<SecretBytes> MaterialFor(std::string_view algorithm) const;

  // The canonical three-line text, each line ending in LF.
  SecretBytes Text() const;

  // The three parts, as parsed.
  const SecretBytes& age_secret_key() const noexcept { return age_secret_key_; }
  const SecretBytes& age_public_key() const noexcept { return age_public_key_; }
  const SecretBytes& aes_key_hex() const noexcept { return aes_key_hex_; }

 private:
  RootKey() = default;

  SecretBytes age_secret_key_;
  SecretBytes age_public_key_;
  SecretBytes aes_key_hex_;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_ROOT_KEY_HPP_
