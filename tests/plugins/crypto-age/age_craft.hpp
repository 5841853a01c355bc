// Builds age files piece by piece with a known file key, so tests can produce exactly the
// malformed files they need (extra chunks, wrong flags, mixed stanzas, low-order shares).
#ifndef VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_CRAFT_HPP_
#define VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_CRAFT_HPP_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "vsecm/age/internal/header.hpp"

namespace vsecm::age::testing {

struct Chunk {
  std::vector<uint8_t> plaintext;
  bool last = false;
};

class Crafter {
 public:
  Crafter();  // random file key and payload nonce

  const std::array<uint8_t, 16>& file_key() const { return file_key_; }

  internal::Stanza X25519Stanza(const std::array<uint8_t, 32>& recipient) const;
  internal::Stanza ScryptStanza(const std::string& passphrase, int log_n) const;

  // Header text with a correct MAC (or a corrupted one) for `stanzas`.
  std::string Header(const std::vector<internal::Stanza>& stanzas, bool good_mac = true) const;

  // The payload: nonce followed by each chunk sealed under its index and flag.
  std::vector<uint8_t> Payload(const std::vector<Chunk>& chunks) const;

  // Header + payload for plaintext split into age's 64 KiB chunks.
  std::vector<uint8_t> File(const std::vector<internal::Stanza>& stanzas,
                            const std::vector<Chunk>& chunks) const;

 private:
  std::array<uint8_t, 16> file_key_{};
  std::array<uint8_t, 16> nonce_{};
};

}  // namespace vsecm::age::testing

#endif  // VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_CRAFT_HPP_
