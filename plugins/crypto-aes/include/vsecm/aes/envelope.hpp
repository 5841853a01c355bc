// AES-256-GCM records in VSecM's versioned envelope (library vsecm_aes).
//
// Layout of one record (all sizes in bytes):
//
//   magic "VSECMAES" (8) | format version = 1 (1) | key id (8) | nonce (12) | cipher text | tag (16)
//
// The header (magic .. nonce, 29 bytes) is the GCM additional authenticated data, so a flipped
// bit anywhere in the record fails the tag. The key id is the first 8 bytes of
// SHA-256("vsecm-aes-256-gcm-key-id-v1" || 0x00 || key): stable however the key set is ordered,
// and it reveals nothing about the key. Every record gets a fresh random 96-bit nonce; NIST SP
// 800-38D allows 2^32 random-nonce records per key, which is why keys rotate (a key set holds
// several keys: records under any of them decrypt, new records use the newest).
//
// Only FIPS-approved primitives are used (AES-256-GCM, SHA-256, the OpenSSL DRBG), fetched
// explicitly through EVP_*_fetch so that the provider is a decision, not an accident.
//
// The library owns no key bytes: a KeyRing refers to keys that the caller keeps in locked memory
// (host SecureAlloc in the plugin, SecretBytes in vsecm-keygen). Decryption writes plain text
// into caller-provided secure scratch memory first and copies it to the sink only after the tag
// verified, so a failed Open never leaves partial plain text in the sink.
#ifndef VSECM_AES_ENVELOPE_HPP_
#define VSECM_AES_ENVELOPE_HPP_

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::aes {

using sdk::ByteView;

inline constexpr size_t kKeySize = 32;
inline constexpr size_t kKeyIdSize = 8;
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr std::array<uint8_t, 8> kMagic = {'V', 'S', 'E', 'C', 'M', 'A', 'E', 'S'};
inline constexpr uint8_t kFormatVersion = 1;
inline constexpr size_t kHeaderSize = kMagic.size() + 1 + kKeyIdSize + kNonceSize;  // 29
inline constexpr size_t kOverhead = kHeaderSize + kTagSize;                          // 45

using KeyId = std::array<uint8_t, kKeyIdSize>;
using Nonce = std::array<uint8_t, kNonceSize>;
using KeySpan = std::span<const uint8_t, kKeySize>;

// Lower-case hex of a key id, for messages and logs ("3f9a0c...").
std::string KeyIdHex(const KeyId& id);

// The size of the record that sealing `plaintext_size` bytes produces.
constexpr size_t SealedSize(size_t plaintext_size) { return plaintext_size + kOverhead; }

// True when `bytes` starts with the envelope's magic: cheap format sniffing (vsecm-keygen tells
// AES records from age files with it). Says nothing about whether the record is intact.
bool LooksLikeAesEnvelope(ByteView bytes) noexcept;

struct EnvelopeHeader {
  uint8_t version = 0;
  KeyId key_id{};
  Nonce nonce{};
  size_t ciphertext_size = 0;  // bytes between the header and the tag
};

// Checks magic, version and minimum length. INVALID_ARGUMENT for a foreign format or an unknown
// version, DATA_LOSS for a record shorter than header plus tag.
StatusOr<EnvelopeHeader> ParseEnvelopeHeader(ByteView envelope);

// The fetched algorithms (AES-256-GCM and SHA-256). Immutable after Fetch and safe to share
// between threads; cheap to copy.
class Primitives {
 public:
  // fips_required: fetch with the property query "fips=yes" and fail with FAILED_PRECONDITION
  // naming the missing FIPS provider when none is active. Otherwise the default fetch.
  static StatusOr<Primitives> Fetch(bool fips_required);

  // True when both algorithms come from a provider that declares fips=yes.
  bool fips() const noexcept { return fips_; }
  // The OpenSSL provider that implements AES-256-GCM ("default", "fips", ...).
  const std::string& provider_name() const noexcept { return provider_name_; }

  // The id of `key` (see the file comment).
  StatusOr<KeyId> IdOf(KeySpan key) const;

  const EVP_CIPHER* cipher() const noexcept { return cipher_.get(); }

 private:
  std::shared_ptr<EVP_CIPHER> cipher_;
  std::shared_ptr<EVP_MD> sha256_;
  bool fips_ = false;
  std::string provider_name_;
};

// One key of a key set: its id and a view of its 32 bytes (owned by the caller).
struct KeyRef {
  KeyId id{};
  KeySpan bytes;
};

// An ordered key set, oldest first, newest last. Holds references, not copies: the caller keeps
// the key bytes alive (in locked memory) for as long as the ring is used.
class KeyRing {
 public:
  // Appends `key` as the newest. ALREADY_EXISTS when a key with the same id is already held.
  Status Add(const Primitives& primitives, KeySpan key);

  const KeyRef* Find(const KeyId& id) const noexcept;
  const KeyRef* Newest() const noexcept { return keys_.empty() ? nullptr : &keys_.back(); }
  size_t size() const noexcept { return keys_.size(); }
  bool empty() const noexcept { return keys_.empty(); }

 private:
  std::vector<KeyRef> keys_;
};

// Locked memory that Open decrypts into before the tag is verified. The implementation wipes
// it when released.
class SecureScratch {
 public:
  virtual ~SecureScratch() = default;
  // At least n writable bytes, valid until the next Acquire or the scratch's destruction.
  // May throw StatusError when memory is refused.
  virtual std::span<uint8_t> Acquire(size_t n) = 0;
};

// Scratch from the plugin host's SecureAlloc.
class HostScratch final : public SecureScratch {
 public:
  explicit HostScratch(const sdk::Host& host) : host_(host) {}
  std::span<uint8_t> Acquire(size_t n) override {
    block_ = sdk::SecureBlock();  // release (and wipe) the previous block first
    block_ = host_.SecureAlloc(n);
    return block_.span().first(n);
  }

 private:
  const sdk::Host& host_;
  sdk::SecureBlock block_;
};

// Encrypts `plaintext` under `key` with the given nonce and appends the whole record to `out`.
// The nonce must never repeat under one key: use the overload below unless the nonce comes from
// a CSPRNG of the caller's (the plugin uses the host's).
Status Seal(const Primitives& primitives, const KeyRef& key, const Nonce& nonce,
            ByteView plaintext, sdk::Sink& out);

// As above with a fresh nonce from OpenSSL's DRBG (RAND_bytes).
Status Seal(const Primitives& primitives, const KeyRef& key, ByteView plaintext, sdk::Sink& out);

// Decrypts one record with the key the ring holds under its key id and appends the plain text
// to `out`, only once the tag verified. Errors: INVALID_ARGUMENT (foreign format or version),
// DATA_LOSS (truncated), NOT_FOUND ("no key with id <hex> in the key set"), INTEGRITY_FAILURE
// (tag mismatch: altered record or wrong key). On error nothing was appended.
Status Open(const Primitives& primitives, const KeyRing& keys, ByteView envelope,
            SecureScratch& scratch, sdk::Sink& out);

}  // namespace vsecm::aes

#endif  // VSECM_AES_ENVELOPE_HPP_
