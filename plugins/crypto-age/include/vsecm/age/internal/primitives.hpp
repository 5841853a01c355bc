// The OpenSSL 3 EVP primitives age is built from: HKDF-SHA-256, HMAC-SHA-256, X25519 and
// one-shot ChaCha20-Poly1305 with the all-zero nonce (for wrapping file keys). Algorithms are
// fetched once per process; every function is thread-safe. Internal to vsecm_age.
#ifndef VSECM_AGE_INTERNAL_PRIMITIVES_HPP_
#define VSECM_AGE_INTERNAL_PRIMITIVES_HPP_

#include <openssl/evp.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

inline constexpr size_t kTagSize = 16;

// Process-wide fetched algorithms (never freed; OpenSSL keeps them reference counted).
EVP_CIPHER* ChaCha20Poly1305Cipher();
EVP_CIPHER* ChaCha20Cipher();
EVP_MAC* Poly1305Mac();
EVP_MAC* HmacMac();

// HKDF-SHA-256 (extract then expand) of `ikm` into `out`.
Status Hkdf(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::string_view info,
            std::span<uint8_t> out);

// HMAC-SHA-256.
Status HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data,
                  std::span<uint8_t, 32> out);

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};

// An X25519 secret loaded into OpenSSL once: loading computes the public key, so keeping the
// loaded key saves a scalar multiplication per use.
class X25519Key {
 public:
  static StatusOr<X25519Key> FromSecret(std::span<const uint8_t, 32> secret);

  std::span<const uint8_t, 32> public_key() const { return public_; }

  // X25519(secret, peer). INTEGRITY_FAILURE when the result is the all-zero value (the peer is
  // a low-order point).
  Status Shared(std::span<const uint8_t, 32> peer, std::span<uint8_t, 32> shared_out) const;

 private:
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key_;
  std::array<uint8_t, 32> public_{};
};

// X25519(secret, basepoint).
Status X25519Public(std::span<const uint8_t, 32> secret, std::span<uint8_t, 32> public_out);

// ChaCha20-Poly1305 with a 12-byte zero nonce: out = ciphertext || tag
// (out.size() == plaintext.size() + kTagSize).
Status SealZeroNonce(std::span<const uint8_t, 32> key, std::span<const uint8_t> plaintext,
                     std::span<uint8_t> out);

// Inverse of SealZeroNonce; returns false (and wipes `out`) when the tag does not verify.
// out.size() must be sealed.size() - kTagSize.
bool OpenZeroNonce(std::span<const uint8_t, 32> key, std::span<const uint8_t> sealed,
                   std::span<uint8_t> out);

// Owning wrappers so every early return frees its context.
struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
struct MacCtxDeleter {
  void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};
struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_PRIMITIVES_HPP_
