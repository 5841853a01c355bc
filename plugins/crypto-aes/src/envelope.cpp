#include "vsecm/aes/envelope.hpp"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/provider.h>
#include <openssl/rand.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <string_view>

namespace vsecm::aes {
namespace {

constexpr std::string_view kKeyIdLabel = "vsecm-aes-256-gcm-key-id-v1";
// EVP_*Update take int lengths; feed large records in pieces well below INT_MAX.
constexpr size_t kChunk = size_t{1} << 30;
// GCM's limit per record is 2^39 - 256 bits of plain text.
constexpr uint64_t kMaxPlaintext = (uint64_t{1} << 36) - 32;

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// The first queued OpenSSL error as text (never contains data), and the queue cleared.
std::string OpensslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "no detail from OpenSSL";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

Status OpensslFailure(std::string_view what) {
  return Internal(std::string(what) + ": " + OpensslError());
}

void WriteHeader(const KeyId& id, const Nonce& nonce, uint8_t* p) {
  std::memcpy(p, kMagic.data(), kMagic.size());
  p += kMagic.size();
  *p++ = kFormatVersion;
  std::memcpy(p, id.data(), id.size());
  p += id.size();
  std::memcpy(p, nonce.data(), nonce.size());
}

// Runs EVP_{En,De}cryptUpdate over `in` into `out` (same length) in int-sized pieces.
template <class UpdateFn>
bool UpdateAll(EVP_CIPHER_CTX* ctx, UpdateFn update, ByteView in, uint8_t* out) {
  size_t done = 0;
  while (done < in.size()) {
    const size_t n = std::min(kChunk, in.size() - done);
    int written = 0;
    if (update(ctx, out + done, &written, in.data() + done, static_cast<int>(n)) != 1 ||
        static_cast<size_t>(written) != n) {
      return false;
    }
    done += n;
  }
  return true;
}

Status SealImpl(const Primitives& primitives, const KeyRef& key, const Nonce& nonce,
                ByteView plaintext, sdk::Sink& out) {
  if (primitives.cipher() == nullptr) return FailedPrecondition("aes primitives not fetched");
  if (plaintext.size() > kMaxPlaintext) {
    return InvalidArgument("plain text of " + std::to_string(plaintext.size()) +
                           " bytes exceeds the aes-256-gcm limit per record");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpensslFailure("allocating a cipher context");
  if (EVP_EncryptInit_ex2(ctx.get(), primitives.cipher(), key.bytes.data(), nonce.data(),
                          nullptr) != 1) {
    return OpensslFailure("initializing aes-256-gcm encryption");
  }
  std::span<uint8_t> record = out.Append(SealedSize(plaintext.size()));
  WriteHeader(key.id, nonce, record.data());
  int aad_len = 0;
  if (EVP_EncryptUpdate(ctx.get(), nullptr, &aad_len, record.data(),
                        static_cast<int>(kHeaderSize)) != 1) {
    return OpensslFailure("authenticating the envelope header");
  }
  uint8_t* body = record.data() + kHeaderSize;
  if (!UpdateAll(ctx.get(), EVP_EncryptUpdate, plaintext, body)) {
    return OpensslFailure("encrypting with aes-256-gcm");
  }
  int final_len = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), body + plaintext.size(), &final_len) != 1 ||
      final_len != 0) {
    return OpensslFailure("finishing aes-256-gcm encryption");
  }
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize),
                          body + plaintext.size()) != 1) {
    return OpensslFailure("reading the aes-256-gcm tag");
  }
  return Status::Ok();
}

Status OpenImpl(const Primitives& primitives, const KeyRing& keys, ByteView envelope,
                SecureScratch& scratch, sdk::Sink& out) {
  if (primitives.cipher() == nullptr) return FailedPrecondition("aes primitives not fetched");
  VSECM_ASSIGN_OR_RETURN(const EnvelopeHeader header, ParseEnvelopeHeader(envelope));
  const KeyRef* key = keys.Find(header.key_id);
  if (key == nullptr) {
    return NotFound("no key with id " + KeyIdHex(header.key_id) + " in the key set");
  }
  const ByteView body = envelope.subspan(kHeaderSize, header.ciphertext_size);
  std::array<uint8_t, kTagSize> tag;
  std::memcpy(tag.data(), envelope.data() + kHeaderSize + header.ciphertext_size, kTagSize);

  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return OpensslFailure("allocating a cipher context");
  if (EVP_DecryptInit_ex2(ctx.get(), primitives.cipher(), key->bytes.data(),
                          header.nonce.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                          tag.data()) != 1) {
    return OpensslFailure("initializing aes-256-gcm decryption");
  }
  int aad_len = 0;
  if (EVP_DecryptUpdate(ctx.get(), nullptr, &aad_len, envelope.data(),
                        static_cast<int>(kHeaderSize)) != 1) {
    return OpensslFailure("authenticating the envelope header");
  }
  // GCM only knows whether the tag verifies at the end, so plain text goes to locked scratch
  // memory first and reaches the sink only after EVP_DecryptFinal_ex accepted the tag.
  std::span<uint8_t> plain = scratch.Acquire(body.size());
  if (!UpdateAll(ctx.get(), EVP_DecryptUpdate, body, plain.data())) {
    OPENSSL_cleanse(plain.data(), plain.size());
    return OpensslFailure("decrypting with aes-256-gcm");
  }
  int final_len = 0;
  if (EVP_DecryptFinal_ex(ctx.get(), plain.data() + body.size(), &final_len) != 1) {
    OPENSSL_cleanse(plain.data(), plain.size());
    ERR_clear_error();
    return IntegrityFailure("aes-256-gcm authentication failed: the record was altered or "
                            "encrypted under another key with id " +
                            KeyIdHex(header.key_id));
  }
  if (!body.empty()) std::memcpy(out.Append(body.size()).data(), plain.data(), body.size());
  return Status::Ok();
}

}  // namespace

std::string KeyIdHex(const KeyId& id) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(id.size() * 2);
  for (uint8_t b : id) {
    hex.push_back(kDigits[b >> 4]);
    hex.push_back(kDigits[b & 0xf]);
  }
  return hex;
}

bool LooksLikeAesEnvelope(ByteView bytes) noexcept {
  return bytes.size() >= kMagic.size() &&
         std::memcmp(bytes.data(), kMagic.data(), kMagic.size()) == 0;
}

StatusOr<EnvelopeHeader> ParseEnvelopeHeader(ByteView envelope) {
  if (!LooksLikeAesEnvelope(envelope)) {
    return InvalidArgument("not an aes-256-gcm envelope: the record does not start with the "
                           "VSECMAES magic");
  }
  if (envelope.size() < kMagic.size() + 1) {
    return DataLoss("aes-256-gcm envelope is truncated: " + std::to_string(envelope.size()) +
                    " bytes, at least " + std::to_string(kOverhead) + " needed");
  }
  EnvelopeHeader header;
  header.version = envelope[kMagic.size()];
  if (header.version != kFormatVersion) {
    return InvalidArgument("unsupported aes-256-gcm envelope version " +
                           std::to_string(header.version) + " (this build reads version " +
                           std::to_string(kFormatVersion) + ")");
  }
  if (envelope.size() < kOverhead) {
    return DataLoss("aes-256-gcm envelope is truncated: " + std::to_string(envelope.size()) +
                    " bytes, at least " + std::to_string(kOverhead) + " needed");
  }
  const uint8_t* p = envelope.data() + kMagic.size() + 1;
  std::memcpy(header.key_id.data(), p, kKeyIdSize);
  std::memcpy(header.nonce.data(), p + kKeyIdSize, kNonceSize);
  header.ciphertext_size = envelope.size() - kOverhead;
  return header;
}

StatusOr<Primitives> Primitives::Fetch(bool fips_required) {
  const char* properties = fips_required ? "fips=yes" : nullptr;
  EVP_CIPHER* cipher = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", properties);
  if (cipher == nullptr) {
    const std::string detail = OpensslError();
    if (fips_required) {
      return FailedPrecondition(
          "fips_required is true but the OpenSSL FIPS provider ('fips') is not available: "
          "AES-256-GCM with fips=yes cannot be fetched; install the FIPS provider module and "
          "activate it in openssl.cnf, or set fips_required to false (" + detail + ")");
    }
    return Internal("OpenSSL offers no AES-256-GCM: " + detail);
  }
  Primitives p;
  p.cipher_.reset(cipher, EVP_CIPHER_free);
  EVP_MD* md = EVP_MD_fetch(nullptr, "SHA2-256", properties);
  if (md == nullptr) {
    const std::string detail = OpensslError();
    if (fips_required) {
      return FailedPrecondition("fips_required is true but the OpenSSL FIPS provider ('fips') "
                                "offers no SHA-256 (" + detail + ")");
    }
    return Internal("OpenSSL offers no SHA-256: " + detail);
  }
  p.sha256_.reset(md, EVP_MD_free);
  const OSSL_PROVIDER* provider = EVP_CIPHER_get0_provider(cipher);
  const char* name = provider != nullptr ? OSSL_PROVIDER_get0_name(provider) : nullptr;
  p.provider_name_ = name != nullptr ? name : "unknown";
  const OSSL_PROVIDER* md_provider = EVP_MD_get0_provider(md);
  const char* md_name = md_provider != nullptr ? OSSL_PROVIDER_get0_name(md_provider) : nullptr;
  p.fips_ = fips_required || (p.provider_name_ == "fips" && md_name != nullptr &&
                              std::string_view(md_name) == "fips");
  return p;
}

StatusOr<KeyId> Primitives::IdOf(KeySpan key) const {
  if (sha256_ == nullptr) return FailedPrecondition("aes primitives not fetched");
  struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const uint8_t separator = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_.get(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), kKeyIdLabel.data(), kKeyIdLabel.size()) != 1 ||
      EVP_DigestUpdate(ctx.get(), &separator, 1) != 1 ||
      EVP_DigestUpdate(ctx.get(), key.data(), key.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &digest_len) != 1 || digest_len < kKeyIdSize) {
    return OpensslFailure("computing an aes key id");
  }
  KeyId id;
  std::memcpy(id.data(), digest, kKeyIdSize);
  OPENSSL_cleanse(digest, sizeof digest);
  return id;
}

Status KeyRing::Add(const Primitives& primitives, KeySpan key) {
  VSECM_ASSIGN_OR_RETURN(const KeyId id, primitives.IdOf(key));
  if (Find(id) != nullptr) {
    return Status(StatusCode::kAlreadyExists,
                  "the key set already holds a key with id " + KeyIdHex(id));
  }
  keys_.push_back(KeyRef{id, key});
  return Status::Ok();
}

const KeyRef* KeyRing::Find(const KeyId& id) const noexcept {
  for (const KeyRef& k : keys_) {
    if (k.id == id) return &k;
  }
  return nullptr;
}

Status Seal(const Primitives& primitives, const KeyRef& key, const Nonce& nonce,
            ByteView plaintext, sdk::Sink& out) {
  try {
    return SealImpl(primitives, key, nonce, plaintext, out);
  } catch (const StatusError& e) {
    return e.status();
  }
}

Status Seal(const Primitives& primitives, const KeyRef& key, ByteView plaintext,
            sdk::Sink& out) {
  Nonce nonce;
  if (RAND_bytes(nonce.data(), static_cast<int>(nonce.size())) != 1) {
    return OpensslFailure("drawing a random nonce");
  }
  return Seal(primitives, key, nonce, plaintext, out);
}

Status Open(const Primitives& primitives, const KeyRing& keys, ByteView envelope,
            SecureScratch& scratch, sdk::Sink& out) {
  try {
    return OpenImpl(primitives, keys, envelope, scratch, out);
  } catch (const StatusError& e) {
    return e.status();
  }
}

}  // namespace vsecm::aes
