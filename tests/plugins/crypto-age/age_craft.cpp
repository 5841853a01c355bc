#include "age_craft.hpp"

#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/primitives.hpp"
#include "vsecm/age/internal/stanzas.hpp"

namespace vsecm::age::testing {
namespace {

std::vector<uint8_t> Seal(const std::array<uint8_t, 32>& key, const std::array<uint8_t, 12>& nonce,
                          const std::vector<uint8_t>& plaintext) {
  std::vector<uint8_t> out(plaintext.size() + 16);
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int len = 0, fin = 0;
  bool ok =
      EVP_EncryptInit_ex(ctx, EVP_chacha20_poly1305(), nullptr, key.data(), nonce.data()) == 1 &&
      EVP_EncryptUpdate(ctx, out.data(), &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx, out.data() + len, &fin) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + plaintext.size()) == 1;
  EVP_CIPHER_CTX_free(ctx);
  if (!ok) throw std::runtime_error("seal failed");
  return out;
}

}  // namespace

Crafter::Crafter() {
  RAND_bytes(file_key_.data(), 16);
  RAND_bytes(nonce_.data(), 16);
}

internal::Stanza Crafter::X25519Stanza(const std::array<uint8_t, 32>& recipient) const {
  StatusOr<internal::Stanza> s = internal::WrapX25519(recipient, file_key_);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return *s;
}

internal::Stanza Crafter::ScryptStanza(const std::string& passphrase, int log_n) const {
  std::array<uint8_t, 16> salt;
  RAND_bytes(salt.data(), 16);
  std::string full_salt = "age-encryption.org/v1/scrypt";
  full_salt.append(salt.begin(), salt.end());
  std::array<uint8_t, 32> key{};
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(),
                     reinterpret_cast<const uint8_t*>(full_salt.data()), full_salt.size(),
                     uint64_t{1} << log_n, 8, 1, 0, key.data(), key.size()) != 1) {
    throw std::runtime_error("scrypt failed");
  }
  internal::Stanza s;
  s.type = "scrypt";
  s.args = {internal::Base64RawEncode(salt), std::to_string(log_n)};
  s.body = Seal(key, {}, std::vector<uint8_t>(file_key_.begin(), file_key_.end()));
  return s;
}

std::string Crafter::Header(const std::vector<internal::Stanza>& stanzas, bool good_mac) const {
  std::string text = internal::SerializeHeaderWithoutMac(stanzas);
  std::array<uint8_t, 32> mac{};
  Status s = internal::ComputeHeaderMac(
      file_key_, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}, mac);
  if (!s.ok()) throw std::runtime_error(s.ToString());
  if (!good_mac) mac[7] ^= 0x01;
  return text + " " + internal::Base64RawEncode(mac) + "\n";
}

std::vector<uint8_t> Crafter::Payload(const std::vector<Chunk>& chunks) const {
  std::array<uint8_t, 32> key{};
  if (!internal::Hkdf(file_key_, nonce_, "payload", key).ok()) throw std::runtime_error("hkdf");
  std::vector<uint8_t> out(nonce_.begin(), nonce_.end());
  for (size_t i = 0; i < chunks.size(); ++i) {
    std::array<uint8_t, 12> nonce{};
    for (int b = 0; b < 8; ++b) nonce[10 - b] = static_cast<uint8_t>(uint64_t{i} >> (8 * b));
    nonce[11] = chunks[i].last ? 1 : 0;
    std::vector<uint8_t> sealed = Seal(key, nonce, chunks[i].plaintext);
    out.insert(out.end(), sealed.begin(), sealed.end());
  }
  return out;
}

std::vector<uint8_t> Crafter::File(const std::vector<internal::Stanza>& stanzas,
                                   const std::vector<Chunk>& chunks) const {
  std::string header = Header(stanzas);
  std::vector<uint8_t> out(header.begin(), header.end());
  std::vector<uint8_t> payload = Payload(chunks);
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

}  // namespace vsecm::age::testing
