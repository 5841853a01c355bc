// The age v1 file format (C2SP age.md, https://age-encryption.org/v1) on OpenSSL 3.
//
// What is supported: X25519 recipients and identities ("age1…", "AGE-SECRET-KEY-1…"), one or
// several recipients per file, ASCII armor on output (option) and on input (detected), and
// decryption of passphrase (scrypt) files. Parsing is strict, as in the reference
// implementation (filippo.io/age): non-canonical base64, malformed headers, bad MACs,
// truncated or extended payloads and low-order X25519 shares are all refused.
//
// Plain text goes only into a vsecm::sdk::Sink (kernel-owned secure memory). When Decrypt
// returns an error, whatever it appended must be discarded by the caller (the kernel's
// SecretBuilder does so); every chunk is authenticated before its plain text is written, so a
// tampered chunk never reaches the sink.
//
// Every function is thread-safe and returns errors as Status; none throws.
#ifndef VSECM_AGE_AGE_HPP_
#define VSECM_AGE_AGE_HPP_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::age {
namespace internal {
class X25519Key;
}  // namespace internal

using ByteView = vsecm::sdk::ByteView;
using Sink = vsecm::sdk::Sink;

// An X25519 public key (the 32 bytes inside "age1…").
using Recipient = std::array<uint8_t, 32>;
// A borrowed X25519 secret scalar (the 32 bytes inside "AGE-SECRET-KEY-1…").
using SecretView = std::span<const uint8_t, 32>;

enum class Armor { kBinary, kArmored };

// Fills `secret_out` with a fresh X25519 secret from OpenSSL's CSPRNG.
Status GenerateIdentity(std::span<uint8_t, 32> secret_out);

// Writes "AGE-SECRET-KEY-1…" (74 characters, no newline) into `out`.
Status EncodeIdentity(SecretView secret, Sink& out);

// Parses "AGE-SECRET-KEY-1…" (exactly; no surrounding whitespace). INVALID_ARGUMENT when the
// text is not an upper-case Bech32 string with that prefix, a valid checksum and 32 bytes.
Status DecodeIdentity(std::string_view text, std::span<uint8_t, 32> secret_out);

// The recipient "age1…" of a secret.
StatusOr<std::string> RecipientOf(SecretView secret);

// Parses "age1…" (exactly, lower case). INVALID_ARGUMENT when malformed.
StatusOr<Recipient> DecodeRecipient(std::string_view text);

// Encrypts `plaintext` to every recipient (at least one) and appends the complete age file to
// `out`, ASCII-armored when `armor` is kArmored.
Status Encrypt(std::span<const Recipient> recipients, ByteView plaintext, Armor armor, Sink& out);

// An X25519 identity loaded once for many decryptions: loading a secret computes its public
// key (a scalar multiplication as costly as the key agreement itself), which a caller that
// decrypts many files with one identity should not pay per file. Immutable once made; one
// object may be used by several threads at once. Copies share the loaded key.
class PreparedIdentity {
 public:
  static StatusOr<PreparedIdentity> FromSecret(SecretView secret);

 private:
  friend Status Decrypt(const PreparedIdentity& identity, ByteView ciphertext, Sink& out);
  std::shared_ptr<const internal::X25519Key> key_;
};

// What Decrypt may use to open a file: any number of X25519 secrets and/or a passphrase.
struct DecryptKeys {
  std::span<const SecretView> identities;
  // Used only for a file whose single stanza is "scrypt". Borrowed, not copied.
  ByteView passphrase;
  bool has_passphrase = false;
  // Refuses scrypt stanzas whose work factor exceeds 2^max_scrypt_log_n (age's default: 22).
  int max_scrypt_log_n = 22;
};

// Decrypts an age file (binary or armored) and appends the plain text to `out`.
// Errors: INVALID_ARGUMENT (malformed header, armor or base64; scrypt mixed with other
// stanzas; work factor too high), INTEGRITY_FAILURE (header MAC or a payload chunk does not
// authenticate, or a low-order X25519 share), DATA_LOSS (truncated or extended payload),
// NOT_FOUND (no identity or passphrase matched any stanza).
Status Decrypt(const DecryptKeys& keys, ByteView ciphertext, Sink& out);

// Convenience: decrypt with a single X25519 secret.
Status Decrypt(SecretView identity, ByteView ciphertext, Sink& out);

// Decrypts with one prepared identity (the same result as with its secret, without reloading it).
Status Decrypt(const PreparedIdentity& identity, ByteView ciphertext, Sink& out);

// True when `data` starts like an age file: the binary header line "age-encryption.org/v1\n"
// or the armor line "-----BEGIN AGE ENCRYPTED FILE-----" (after optional leading whitespace).
bool LooksLikeAge(ByteView data);

}  // namespace vsecm::age

#endif  // VSECM_AGE_AGE_HPP_
