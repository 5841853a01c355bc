// The STREAM payload. Decryption authenticates each chunk before any of its plain text exists:
// the Poly1305 tag is recomputed from the cipher text first (RFC 8439 section 2.8: the one-time
// key is the first half of ChaCha20 block 0), and only then is the chunk decrypted with
// ChaCha20 from block 1 straight into the caller's sink. A tampered chunk thus never reaches
// the sink, not even transiently.
#include "vsecm/age/internal/stream.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <memory>

#include "vsecm/age/internal/primitives.hpp"

namespace vsecm::age::internal {
namespace {

constexpr size_t kSealedChunkSize = kChunkSize + kTagSize;

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;
using MacCtx = std::unique_ptr<EVP_MAC_CTX, MacCtxDeleter>;

// 11-byte big-endian chunk counter followed by the last-chunk flag.
std::array<uint8_t, 12> ChunkNonce(uint64_t counter, bool last) {
  std::array<uint8_t, 12> nonce{};
  for (int i = 0; i < 8; ++i) nonce[10 - i] = static_cast<uint8_t>(counter >> (8 * i));
  nonce[11] = last ? 0x01 : 0x00;
  return nonce;
}

class PayloadKey {
 public:
  PayloadKey() = default;
  PayloadKey(const PayloadKey&) = delete;
  PayloadKey& operator=(const PayloadKey&) = delete;
  ~PayloadKey() { OPENSSL_cleanse(key_.data(), key_.size()); }
  Status Derive(std::span<const uint8_t, 16> file_key, std::span<const uint8_t> nonce) {
    return Hkdf(file_key, nonce, "payload", key_);
  }
  std::span<const uint8_t, 32> get() const { return key_; }

 private:
  std::array<uint8_t, 32> key_{};
};

// ChaCha20 and Poly1305 contexts keyed once per payload.
class ChunkOpener {
 public:
  Status Init(std::span<const uint8_t, 32> key) {
    chacha_.reset(EVP_CIPHER_CTX_new());
    poly_.reset(Poly1305Mac() ? EVP_MAC_CTX_new(Poly1305Mac()) : nullptr);
    std::array<uint8_t, 16> iv{};
    if (!chacha_ || !poly_ || ChaCha20Cipher() == nullptr ||
        EVP_EncryptInit_ex2(chacha_.get(), ChaCha20Cipher(), key.data(), iv.data(), nullptr) != 1) {
      return Internal("openssl: cannot set up chacha20 and poly1305");
    }
    return Status::Ok();
  }

  // Recomputes the AEAD tag of `sealed` (cipher text || tag) under `nonce`, empty AAD.
  bool Verify(const std::array<uint8_t, 12>& nonce, std::span<const uint8_t> sealed) {
    const size_t ct_len = sealed.size() - kTagSize;
    std::array<uint8_t, 32> poly_key{};
    std::array<uint8_t, kTagSize> tag{};
    bool ok = SetBlock(nonce, 0) && KeyStream(poly_key);
    ok = ok && EVP_MAC_init(poly_.get(), poly_key.data(), poly_key.size(), nullptr) == 1;
    OPENSSL_cleanse(poly_key.data(), poly_key.size());
    static constexpr std::array<uint8_t, 16> kZeros{};
    std::array<uint8_t, 16> lengths{};
    for (int i = 0; i < 8; ++i) lengths[8 + i] = static_cast<uint8_t>(uint64_t{ct_len} >> (8 * i));
    size_t tag_len = 0;
    ok = ok && EVP_MAC_update(poly_.get(), sealed.data(), ct_len) == 1 &&
         (ct_len % 16 == 0 || EVP_MAC_update(poly_.get(), kZeros.data(), 16 - ct_len % 16) == 1) &&
         EVP_MAC_update(poly_.get(), lengths.data(), lengths.size()) == 1 &&
         EVP_MAC_final(poly_.get(), tag.data(), &tag_len, tag.size()) == 1 && tag_len == kTagSize;
    return ok && CRYPTO_memcmp(tag.data(), sealed.data() + ct_len, kTagSize) == 0;
  }

  // Decrypts an authenticated chunk's cipher text into `out` (same size).
  bool Decrypt(const std::array<uint8_t, 12>& nonce, std::span<const uint8_t> ct,
               std::span<uint8_t> out) {
    int len = 0;
    return SetBlock(nonce, 1) &&
           (ct.empty() || (EVP_EncryptUpdate(chacha_.get(), out.data(), &len, ct.data(),
                                             static_cast<int>(ct.size())) == 1 &&
                           static_cast<size_t>(len) == ct.size()));
  }

 private:
  // EVP's ChaCha20 IV is the 32-bit little-endian block counter followed by the nonce.
  bool SetBlock(const std::array<uint8_t, 12>& nonce, uint32_t block) {
    std::array<uint8_t, 16> iv{};
    for (int i = 0; i < 4; ++i) iv[i] = static_cast<uint8_t>(block >> (8 * i));
    std::copy(nonce.begin(), nonce.end(), iv.begin() + 4);
    return EVP_EncryptInit_ex2(chacha_.get(), nullptr, nullptr, iv.data(), nullptr) == 1;
  }
  bool KeyStream(std::span<uint8_t> out) {
    std::fill(out.begin(), out.end(), 0);
    int len = 0;
    return EVP_EncryptUpdate(chacha_.get(), out.data(), &len, out.data(),
                             static_cast<int>(out.size())) == 1;
  }

  CipherCtx chacha_;
  MacCtx poly_;
};

}  // namespace

size_t SealedPayloadSize(size_t n) {
  size_t chunks = n == 0 ? 1 : (n + kChunkSize - 1) / kChunkSize;
  return n + chunks * kTagSize;
}

Status EncryptPayload(std::span<const uint8_t, 16> file_key, std::span<const uint8_t> plaintext,
                      vsecm::sdk::Sink& out) {
  std::array<uint8_t, kStreamNonceSize> nonce;
  if (RAND_bytes(nonce.data(), nonce.size()) != 1) {
    return Internal("openssl: the random number generator failed");
  }
  PayloadKey key;
  VSECM_RETURN_IF_ERROR(key.Derive(file_key, nonce));
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || ChaCha20Poly1305Cipher() == nullptr ||
      EVP_EncryptInit_ex2(ctx.get(), ChaCha20Poly1305Cipher(), key.get().data(), nullptr,
                          nullptr) != 1) {
    return Internal("openssl: cannot set up chacha20-poly1305");
  }
  out.Write(nonce);
  uint64_t counter = 0;
  size_t offset = 0;
  do {
    const size_t len = std::min(kChunkSize, plaintext.size() - offset);
    const bool last = offset + len == plaintext.size();
    const std::array<uint8_t, 12> chunk_nonce = ChunkNonce(counter, last);
    std::span<uint8_t> dst = out.Append(len + kTagSize);
    int n = 0, fin = 0;
    if (EVP_EncryptInit_ex2(ctx.get(), nullptr, nullptr, chunk_nonce.data(), nullptr) != 1 ||
        (len > 0 && EVP_EncryptUpdate(ctx.get(), dst.data(), &n, plaintext.data() + offset,
                                      static_cast<int>(len)) != 1) ||
        EVP_EncryptFinal_ex(ctx.get(), dst.data() + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, kTagSize, dst.data() + len) != 1) {
      return Internal("openssl: chacha20-poly1305 failed on a payload chunk");
    }
    offset += len;
    ++counter;
  } while (offset < plaintext.size());
  return Status::Ok();
}

Status DecryptPayload(std::span<const uint8_t, 16> file_key, std::span<const uint8_t> payload,
                      vsecm::sdk::Sink& out) {
  if (payload.size() < kStreamNonceSize) return DataLoss("the age payload nonce is truncated");
  PayloadKey key;
  VSECM_RETURN_IF_ERROR(key.Derive(file_key, payload.first(kStreamNonceSize)));
  ChunkOpener opener;
  VSECM_RETURN_IF_ERROR(opener.Init(key.get()));

  std::span<const uint8_t> rest = payload.subspan(kStreamNonceSize);
  for (uint64_t counter = 0;; ++counter) {
    auto where = [counter] { return "age payload chunk " + std::to_string(counter); };
    if (rest.empty()) return DataLoss("the age payload is truncated (no final chunk)");
    const size_t n = std::min(rest.size(), kSealedChunkSize);
    std::span<const uint8_t> sealed = rest.first(n);
    bool last = n < kSealedChunkSize;
    if (last && n < kTagSize) return DataLoss(where() + " is truncated");
    // An empty final chunk is allowed only as the sole chunk of an empty plain text.
    if (last && n == kTagSize && counter != 0) {
      return DataLoss(where() + " is an empty final chunk after a full one");
    }
    std::array<uint8_t, 12> nonce = ChunkNonce(counter, last);
    bool authentic = opener.Verify(nonce, sealed);
    if (!authentic && !last) {
      // A full-size chunk may be the final one.
      last = true;
      nonce = ChunkNonce(counter, true);
      authentic = opener.Verify(nonce, sealed);
    }
    if (!authentic) return IntegrityFailure(where() + " does not authenticate");
    if (last && rest.size() > n) return DataLoss("data after the final age payload chunk");

    std::span<const uint8_t> ct = sealed.first(n - kTagSize);
    std::span<uint8_t> dst = out.Append(ct.size());
    if (!opener.Decrypt(nonce, ct, dst)) {
      OPENSSL_cleanse(dst.data(), dst.size());
      return Internal("openssl: chacha20 failed on a payload chunk");
    }
    if (last) return Status::Ok();
    rest = rest.subspan(n);
  }
}

}  // namespace vsecm::age::internal
