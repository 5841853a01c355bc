// libFuzzer target for the age parsers: the whole decryption path with a fixed identity, given
// both as a secret and prepared once (the plugin's path), and a cheap passphrase so scrypt
// stanzas are exercised too; the armor decoder, the header parser and the Bech32 decoders. Any
// crash, leak, out-of-bounds access or undefined behaviour is a bug; errors are expected.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "vsecm/age/age.hpp"
#include "vsecm/age/internal/armor.hpp"
#include "vsecm/age/internal/header.hpp"

namespace {

// Output for the fuzzer only: fuzz inputs are not secrets, so a vector is fine here.
struct VectorSink {
  std::vector<uint8_t> bytes;
  static uint8_t* Append(void* self, size_t len) noexcept {
    auto* s = static_cast<VectorSink*>(self);
    if (s->bytes.size() + len > (size_t{16} << 20)) return nullptr;
    s->bytes.resize(s->bytes.size() + len);
    return s->bytes.data() + s->bytes.size() - len;
  }
  vsecm_sink sink() { return {sizeof(vsecm_sink), this, &Append}; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::array<uint8_t, 32> kIdentity = {0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                                    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                                    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
                                                    0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42};
  static const std::string_view kPassphrase = "password";
  const std::span<const uint8_t> input(data, size);

  vsecm::age::SecretView id(kIdentity);
  vsecm::age::DecryptKeys keys;
  keys.identities = std::span<const vsecm::age::SecretView>(&id, 1);
  keys.passphrase = {reinterpret_cast<const uint8_t*>(kPassphrase.data()), kPassphrase.size()};
  keys.has_passphrase = true;
  keys.max_scrypt_log_n = 2;  // keep each run fast
  VectorSink out;
  vsecm::sdk::Sink sink(out.sink());
  (void)vsecm::age::Decrypt(keys, input, sink);
  // The path the plugin takes: the same identity, loaded once.
  static const vsecm::age::PreparedIdentity kPrepared =
      vsecm::age::PreparedIdentity::FromSecret(id).value();
  VectorSink prepared_out;
  vsecm::sdk::Sink prepared_sink(prepared_out.sink());
  (void)vsecm::age::Decrypt(kPrepared, input, prepared_sink);

  std::vector<uint8_t> binary;
  (void)vsecm::age::internal::ArmorDecode(input, binary);
  (void)vsecm::age::internal::ParseHeader(input);
  (void)vsecm::age::LooksLikeAge(input);

  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::array<uint8_t, 32> secret{};
  (void)vsecm::age::DecodeIdentity(text, secret);
  (void)vsecm::age::DecodeRecipient(text);
  return 0;
}
