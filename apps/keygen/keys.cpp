#include "keys.hpp"

#include <cstdlib>

#include "io.hpp"
#include "vsecm/age/age.hpp"

namespace vsecm::keygen {
namespace {

constexpr size_t kMaxRootKeyFile = 4096;

uint8_t HexValue(char c) {
  if (c >= '0' && c <= '9') return static_cast<uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<uint8_t>(c - 'a' + 10);
  return static_cast<uint8_t>(c - 'A' + 10);  // RootKey::Parse admitted only hex digits
}

}  // namespace

std::string DefaultRootKeyPath() {
  const char* env = std::getenv("VSECM_KEYGEN_ROOT_KEY_PATH");
  return env != nullptr && *env != '\0' ? env : "/opt/vsecm/keys.txt";
}

StatusOr<kernel::RootKey> LoadRootKey(const std::string& path) {
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes text, ReadFile(path, kMaxRootKeyFile));
  return kernel::RootKey::Parse(text.Expose());
}

StatusOr<kernel::SecretBytes> AgeSecretOf(const kernel::RootKey& root_key) {
  kernel::SecretBytes secret(32);
  Status decoded = age::DecodeIdentity(root_key.age_secret_key().ExposeText(),
                                       std::span<uint8_t, 32>(secret.Mutable().data(), 32));
  if (!decoded.ok()) return decoded.WithContext("root key line 1");
  VSECM_ASSIGN_OR_RETURN(const std::string recipient,
                         age::RecipientOf(age::SecretView(secret.Expose().data(), 32)));
  if (!root_key.age_public_key().Equals(
          {reinterpret_cast<const uint8_t*>(recipient.data()), recipient.size()})) {
    return InvalidArgument("root key line 2 is not the age public key of line 1");
  }
  return secret;
}

kernel::SecretBytes AesKeyOf(const kernel::RootKey& root_key) {
  const std::string_view hex = root_key.aes_key_hex().ExposeText();
  kernel::SecretBytes key(hex.size() / 2);
  for (size_t i = 0; i < key.size(); ++i) {
    key.Mutable()[i] = static_cast<uint8_t>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  }
  return key;
}

kernel::SecretBytes HexEncode(std::span<const uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  kernel::SecretBytes hex(bytes.size() * 2);
  for (size_t i = 0; i < bytes.size(); ++i) {
    hex.Mutable()[2 * i] = static_cast<uint8_t>(kDigits[bytes[i] >> 4]);
    hex.Mutable()[2 * i + 1] = static_cast<uint8_t>(kDigits[bytes[i] & 0xf]);
  }
  return hex;
}

}  // namespace vsecm::keygen
