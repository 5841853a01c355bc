#include "root_key_generation.hpp"

#include <openssl/rand.h>

#include <string>

#include "vsecm/age/age.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/sdk/host.hpp"

namespace vsecm::common {

// The three lines, assembled in locked memory.
StatusOr<kernel::SecretBytes> NewRootKeyText() {
  kernel::SecretBytes age_secret(32);
  std::span<uint8_t, 32> secret_span(age_secret.Mutable().data(), 32);
  VSECM_RETURN_IF_ERROR(age::GenerateIdentity(secret_span));
  const age::SecretView secret_view(age_secret.Expose().data(), 32);

  kernel::SecretBuilder text(256);
  sdk::Sink sink(text.sink());
  try {
    VSECM_RETURN_IF_ERROR(age::EncodeIdentity(secret_view, sink));
    sink.Write("\n");
    VSECM_ASSIGN_OR_RETURN(const std::string recipient, age::RecipientOf(secret_view));
    sink.Write(recipient);
    sink.Write("\n");
    kernel::SecretBytes aes_key(32);
    if (RAND_priv_bytes(aes_key.Mutable().data(), static_cast<int>(aes_key.size())) != 1) {
      return Internal("the random number generator failed");
    }
    static constexpr char kHex[] = "0123456789abcdef";
    for (uint8_t b : aes_key.Expose()) {
      auto out = sink.Append(2);
      out[0] = static_cast<uint8_t>(kHex[b >> 4]);
      out[1] = static_cast<uint8_t>(kHex[b & 15]);
    }
    sink.Write("\n");
  } catch (const StatusError& e) {
    return e.status();
  }
  kernel::SecretBytes result = text.Take();
  // What we write must be what the Safe reads.
  StatusOr<kernel::RootKey> check = kernel::RootKey::Parse(result.Expose());
  if (!check.ok()) return check.status().WithContext("generated key does not parse");
  return result;
}


}  // namespace vsecm::common
