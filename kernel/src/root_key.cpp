#include "vsecm/kernel/root_key.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

namespace vsecm::kernel {
namespace {

constexpr std::string_view kBech32Lower = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

enum class Part { kAgeSecretKey, kAgePublicKey, kAesKey };

// age writes secret keys in upper case and public keys in lower case; mixed case is refused.
bool IsBech32(char c, bool upper) {
  if (upper) {
    if (c >= 'a' && c <= 'z') return false;
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  } else if (c >= 'A' && c <= 'Z') {
    return false;
  }
  return kBech32Lower.find(c) != std::string_view::npos;
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// `where` is "root key line 2" or "agePublicKey". Messages give positions, never characters.
Status Validate(Part part, std::string_view value, const std::string& where) {
  if (value.find('\r') != std::string_view::npos) {
    return InvalidArgument(where + " contains a carriage return; the root key must use LF "
                                  "line endings");
  }
  std::string_view prefix;
  size_t length = 0;
  std::string_view what;
  switch (part) {
    case Part::kAgeSecretKey:
      prefix = RootKey::kAgeSecretKeyPrefix;
      length = RootKey::kAgeSecretKeyLength;
      what = "an age secret key";
      break;
    case Part::kAgePublicKey:
      prefix = RootKey::kAgePublicKeyPrefix;
      length = RootKey::kAgePublicKeyLength;
      what = "an age public key";
      break;
    case Part::kAesKey:
      length = RootKey::kAesKeyHexLength;
      what = "an AES-256 key";
      break;
  }
  if (value.empty()) return InvalidArgument(where + " is empty; expected " + std::string(what));
  if (value.substr(0, prefix.size()) != prefix) {
    return InvalidArgument(where + " is not " + std::string(what) + " (it must start with " +
                           std::string(prefix) + ")");
  }
  if (value.size() != length) {
    return InvalidArgument(where + " has " + std::to_string(value.size()) +
                           " characters; " + std::string(what) + " has " +
                           std::to_string(length));
  }
  for (size_t i = prefix.size(); i < value.size(); ++i) {
    const char c = value[i];
    bool ok = false;
    switch (part) {
      case Part::kAgeSecretKey: ok = IsBech32(c, /*upper=*/true); break;
      case Part::kAgePublicKey: ok = IsBech32(c, /*upper=*/false); break;
      case Part::kAesKey: ok = IsHex(c); break;
    }
    if (!ok) {
      const char* expected = part == Part::kAgeSecretKey   ? "an upper-case bech32 character"
                             : part == Part::kAgePublicKey ? "a lower-case bech32 character"
                                                           : "a hex digit";
      return InvalidArgument(where + ": character " + std::to_string(i + 1) + " is not " +
                             expected);
    }
  }
  return Status::Ok();
}

// Concatenates the parts, each followed by LF, into one secret.
SecretBytes Lines(std::initializer_list<const SecretBytes*> parts) {
  size_t size = 0;
  for (const SecretBytes* p : parts) size += p->size() + 1;
  SecretBytes out(size);
  uint8_t* w = out.Mutable().data();
  for (const SecretBytes* p : parts) {
    std::memcpy(w, p->Expose().data(), p->size());
    w += p->size();
    *w++ = '\n';
  }
  return out;
}

}  // namespace

StatusOr<RootKey> RootKey::Parse(std::span<const uint8_t> bytes) {
  std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (text.empty()) return InvalidArgument("root key is empty; expected 3 lines");
  if (text.back() == '\n') text.remove_suffix(1);  // the optional final LF
  // A CRLF file would otherwise fail on a confusing count or character; say what it is.
  if (const size_t cr = text.find('\r'); cr != std::string_view::npos) {
    const size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + cr, '\n'));
    return InvalidArgument("root key line " + std::to_string(line) +
                           " contains a carriage return; the root key must use LF line endings");
  }

  std::array<std::string_view, 3> lines;
  size_t count = 0;
  size_t pos = 0;
  while (true) {
    const size_t end = text.find('\n', pos);
    const std::string_view line =
        text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    if (count < lines.size()) lines[count] = line;
    ++count;
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  if (count != lines.size()) {
    return InvalidArgument("root key has " + std::to_string(count) +
                           (count == 1 ? " line" : " lines") + "; expected 3 (age secret key, age public key, AES-256 key "
                           "in hex)");
  }
  constexpr std::array<Part, 3> kParts = {Part::kAgeSecretKey, Part::kAgePublicKey,
                                          Part::kAesKey};
  for (size_t i = 0; i < lines.size(); ++i) {
    VSECM_RETURN_IF_ERROR(Validate(kParts[i], lines[i], "root key line " + std::to_string(i + 1)));
  }
  RootKey key;
  key.age_secret_key_ = SecretBytes::CopyOf(lines[0]);
  key.age_public_key_ = SecretBytes::CopyOf(lines[1]);
  key.aes_key_hex_ = SecretBytes::CopyOf(lines[2]);
  return key;
}

StatusOr<RootKey> RootKey::FromParts(std::string_view age_secret_key,
                                     std::string_view age_public_key,
                                     std::string_view aes_cipher_key) {
  VSECM_RETURN_IF_ERROR(Validate(Part::kAgeSecretKey, age_secret_key, "ageSecretKey"));
  VSECM_RETURN_IF_ERROR(Validate(Part::kAgePublicKey, age_public_key, "agePublicKey"));
  VSECM_RETURN_IF_ERROR(Validate(Part::kAesKey, aes_cipher_key, "aesCipherKey"));
  RootKey key;
  key.age_secret_key_ = SecretBytes::CopyOf(age_secret_key);
  key.age_public_key_ = SecretBytes::CopyOf(age_public_key);
  key.aes_key_hex_ = SecretBytes::CopyOf(aes_cipher_key);
  return key;
}

StatusOr<SecretBytes> RootKey::MaterialFor(std::string_view algorithm) const {
  if (algorithm == kAgeAlgorithm) return Lines({&age_secret_key_, &age_public_key_});
  if (algorithm == kAesAlgorithm) return Lines({&aes_key_hex_});
  return NotFound("the root key holds no key for algorithm '" + std::string(algorithm) +
                  "' (it has keys for age and aes-256-gcm)");
}

SecretBytes RootKey::Text() const {
  return Lines({&age_secret_key_, &age_public_key_, &aes_key_hex_});
}

}  // namespace vsecm::kernel
