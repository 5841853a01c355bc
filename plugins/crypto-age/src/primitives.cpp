// OpenSSL 3 EVP glue. Algorithms are fetched once: an implicit fetch on every call (what
// EVP_chacha20_poly1305() and EVP_Q_mac do) costs more than sealing a 100-byte secret. Each is
// released when the plugin is unloaded (or at exit, before OpenSSL's own clean-up, which was
// initialized first): a reference kept past unloading would pin OpenSSL's method objects.
#include "vsecm/age/internal/primitives.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

namespace vsecm::age::internal {
namespace {

template <typename T, void (*Free)(T*)>
class Fetched {
 public:
  explicit Fetched(T* algorithm) : algorithm_(algorithm) {}
  ~Fetched() { Free(algorithm_); }
  Fetched(const Fetched&) = delete;
  Fetched& operator=(const Fetched&) = delete;
  T* get() const { return algorithm_; }

 private:
  T* algorithm_;
};

EVP_KDF* HkdfKdf() {
  static const Fetched<EVP_KDF, EVP_KDF_free> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  return kdf.get();
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;

Pkey PrivateKey(std::span<const uint8_t, 32> secret) {
  return Pkey(EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, secret.data(), 32));
}

}  // namespace

EVP_CIPHER* ChaCha20Poly1305Cipher() {
  static const Fetched<EVP_CIPHER, EVP_CIPHER_free> cipher(
      EVP_CIPHER_fetch(nullptr, "ChaCha20-Poly1305", nullptr));
  return cipher.get();
}

EVP_CIPHER* ChaCha20Cipher() {
  static const Fetched<EVP_CIPHER, EVP_CIPHER_free> cipher(
      EVP_CIPHER_fetch(nullptr, "ChaCha20", nullptr));
  return cipher.get();
}

EVP_MAC* Poly1305Mac() {
  static const Fetched<EVP_MAC, EVP_MAC_free> mac(EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
  return mac.get();
}

EVP_MAC* HmacMac() {
  static const Fetched<EVP_MAC, EVP_MAC_free> mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  return mac.get();
}

Status Hkdf(std::span<const uint8_t> ikm, std::span<const uint8_t> salt, std::string_view info,
            std::span<uint8_t> out) {
  if (HkdfKdf() == nullptr) return Internal("openssl has no hkdf");
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(HkdfKdf());
  if (ctx == nullptr) return Internal("openssl: cannot create an hkdf context");
  char digest[] = "SHA256";
  std::array<OSSL_PARAM, 5> params{};
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                                  const_cast<uint8_t*>(ikm.data()), ikm.size());
  // An absent salt is HMAC's empty key, which RFC 5869 defines as HashLen zero bytes.
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
                                                    const_cast<uint8_t*>(salt.data()), salt.size());
  }
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
                                                  const_cast<char*>(info.data()), info.size());
  params[n] = OSSL_PARAM_construct_end();
  int ok = EVP_KDF_derive(ctx, out.data(), out.size(), params.data());
  EVP_KDF_CTX_free(ctx);
  if (ok != 1) {
    OPENSSL_cleanse(out.data(), out.size());
    return Internal("openssl: hkdf failed");
  }
  return Status::Ok();
}

Status HmacSha256(std::span<const uint8_t> key, std::span<const uint8_t> data,
                  std::span<uint8_t, 32> out) {
  if (HmacMac() == nullptr) return Internal("openssl has no hmac");
  std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter> ctx(EVP_MAC_CTX_new(HmacMac()));
  if (!ctx) return Internal("openssl: cannot create an hmac context");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_end()};
  size_t len = 0;
  if (EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1 || len != 32) {
    return Internal("openssl: hmac-sha256 failed");
  }
  return Status::Ok();
}

StatusOr<X25519Key> X25519Key::FromSecret(std::span<const uint8_t, 32> secret) {
  X25519Key key;
  key.key_ = PrivateKey(secret);
  size_t len = 32;
  if (!key.key_ || EVP_PKEY_get_raw_public_key(key.key_.get(), key.public_.data(), &len) != 1 ||
      len != 32) {
    return Internal("openssl: cannot load an x25519 key");
  }
  return key;
}

Status X25519Key::Shared(std::span<const uint8_t, 32> peer,
                         std::span<uint8_t, 32> shared_out) const {
  Pkey theirs(EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, peer.data(), 32));
  if (!theirs) return Internal("openssl: cannot load an x25519 public key");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_.get(), nullptr));
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1) {
    return Internal("openssl: cannot start an x25519 exchange");
  }
  // OpenSSL refuses a peer whose product is the all-zero point at set_peer or at derive
  // time, depending on the version; either way it is a low-order share.
  size_t len = 32;
  if (EVP_PKEY_derive_set_peer_ex(ctx.get(), theirs.get(), 0) != 1 ||
      EVP_PKEY_derive(ctx.get(), shared_out.data(), &len) != 1 || len != 32) {
    OPENSSL_cleanse(shared_out.data(), shared_out.size());
    return IntegrityFailure("x25519 share is a low-order point (all-zero shared secret)");
  }
  static constexpr std::array<uint8_t, 32> kZero{};
  if (CRYPTO_memcmp(shared_out.data(), kZero.data(), 32) == 0) {
    return IntegrityFailure("x25519 share is a low-order point (all-zero shared secret)");
  }
  return Status::Ok();
}

Status X25519Public(std::span<const uint8_t, 32> secret, std::span<uint8_t, 32> public_out) {
  VSECM_ASSIGN_OR_RETURN(X25519Key key, X25519Key::FromSecret(secret));
  std::copy(key.public_key().begin(), key.public_key().end(), public_out.begin());
  return Status::Ok();
}

Status SealZeroNonce(std::span<const uint8_t, 32> key, std::span<const uint8_t> plaintext,
                     std::span<uint8_t> out) {
  if (out.size() != plaintext.size() + kTagSize) return Internal("seal: wrong output size");
  static constexpr std::array<uint8_t, 12> kNonce{};
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  if (!ctx || ChaCha20Poly1305Cipher() == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), ChaCha20Poly1305Cipher(), key.data(), kNonce.data(),
                          nullptr) != 1 ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + len, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize,
                          out.data() + plaintext.size()) != 1) {
    return Internal("openssl: chacha20-poly1305 seal failed");
  }
  return Status::Ok();
}

bool OpenZeroNonce(std::span<const uint8_t, 32> key, std::span<const uint8_t> sealed,
                   std::span<uint8_t> out) {
  if (sealed.size() < kTagSize || out.size() != sealed.size() - kTagSize) return false;
  static constexpr std::array<uint8_t, 12> kNonce{};
  std::array<uint8_t, kTagSize> tag;
  std::copy(sealed.end() - kTagSize, sealed.end(), tag.begin());
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, fin = 0;
  bool ok = ctx && ChaCha20Poly1305Cipher() != nullptr &&
            EVP_DecryptInit_ex2(ctx.get(), ChaCha20Poly1305Cipher(), key.data(), kNonce.data(),
                                nullptr) == 1 &&
            EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data(),
                              static_cast<int>(out.size())) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, kTagSize, tag.data()) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &fin) == 1;
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok;
}

}  // namespace vsecm::age::internal
