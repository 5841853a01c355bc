// vsecm-crypto-age: the age crypto plugin.
//
// KEY MATERIAL (SetKeys): the first two lines of VSecM's root key, as text:
//
//     AGE-SECRET-KEY-1...\n
//     age1...\n            (the final newline is optional; CRLF line ends are accepted)
//
// Nothing else may follow. The identity must decode, the recipient must decode, and the
// recipient must be the identity's own public key. The 32-byte secret is kept in the host's
// locked memory; replacing keys is atomic with respect to concurrent Encrypt/Decrypt calls.
//
// Encrypt writes binary age (one X25519 recipient: ours). Decrypt accepts binary or armored
// age encrypted to our identity.
#include "vsecm/sdk/plugin.hpp"

#include <openssl/crypto.h>

#include <array>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>

#include "vsecm/age/age.hpp"

namespace vsecm::age {
namespace {

// Splits "line1\nline2[\n]" into its two lines, dropping a CR before each LF.
std::optional<std::array<std::string_view, 2>> TwoLines(std::string_view text) {
  std::array<std::string_view, 2> lines;
  for (auto& line : lines) {
    size_t lf = text.find('\n');
    line = text.substr(0, lf);
    text = lf == std::string_view::npos ? std::string_view() : text.substr(lf + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) return std::nullopt;
  }
  if (!text.empty()) return std::nullopt;
  return lines;
}

}  // namespace

class AgeCryptoPlugin final : public vsecm::sdk::CryptoPlugin {
 public:
  static constexpr const char* kName = "vsecm-crypto-age";
  static constexpr const char* kAlgorithm = "age";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "age v1 (X25519, ChaCha20-Poly1305) encryption of secrets at rest, on OpenSSL 3";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;

  explicit AgeCryptoPlugin(vsecm::sdk::Host host) : CryptoPlugin(host) {}

  Status SetKeys(ByteView key_material) override {
    std::string_view text(reinterpret_cast<const char*>(key_material.data()), key_material.size());
    std::optional<std::array<std::string_view, 2>> lines = TwoLines(text);
    if (!lines) {
      return InvalidArgument(
          "age key material must be two lines: the age secret key, then the age public key");
    }
    vsecm::sdk::SecureBlock secret = host().SecureAlloc(32);
    std::span<uint8_t, 32> secret_span(secret.data(), 32);
    VSECM_RETURN_IF_ERROR(DecodeIdentity((*lines)[0], secret_span));
    VSECM_ASSIGN_OR_RETURN(Recipient recipient, DecodeRecipient((*lines)[1]));
    VSECM_ASSIGN_OR_RETURN(std::string own, RecipientOf(secret_span));
    VSECM_ASSIGN_OR_RETURN(Recipient own_bytes, DecodeRecipient(own));
    if (CRYPTO_memcmp(own_bytes.data(), recipient.data(), recipient.size()) != 0) {
      return InvalidArgument("the age public key does not belong to the age secret key");
    }
    VSECM_ASSIGN_OR_RETURN(PreparedIdentity identity, PreparedIdentity::FromSecret(secret_span));
    std::unique_lock lock(mu_);
    secret_ = std::move(secret);
    recipient_ = recipient;
    identity_ = std::move(identity);
    return Status::Ok();
  }

  Status Encrypt(ByteView plaintext, vsecm::sdk::Sink& out) override {
    std::shared_lock lock(mu_);
    VSECM_RETURN_IF_ERROR(RequireKeys());
    return vsecm::age::Encrypt(std::span<const Recipient>(&recipient_, 1), plaintext,
                               Armor::kBinary, out);
  }

  Status Decrypt(ByteView ciphertext, vsecm::sdk::Sink& out) override {
    std::shared_lock lock(mu_);
    VSECM_RETURN_IF_ERROR(RequireKeys());
    return vsecm::age::Decrypt(*identity_, ciphertext, out);
  }

 private:
  Status RequireKeys() const {
    if (secret_.empty() || !identity_) return FailedPrecondition("no age key has been set");
    return Status::Ok();
  }

  std::shared_mutex mu_;
  vsecm::sdk::SecureBlock secret_;  // guarded by mu_
  Recipient recipient_{};           // guarded by mu_
  // The secret loaded once (its public key computed): decrypting every record at start-up
  // would otherwise pay a second scalar multiplication per record. Guarded by mu_.
  std::optional<PreparedIdentity> identity_;
};

}  // namespace vsecm::age

VSECM_DEFINE_PLUGIN(vsecm::age::AgeCryptoPlugin)
