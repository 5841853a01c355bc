// X25519 and scrypt stanzas, with the argument checks of filippo.io/age (x25519.go, scrypt.go)
// and of the spec: canonical base64 arguments of exact sizes, bodies of exactly 32 bytes
// checked before any decryption, scrypt work factors as ^[1-9][0-9]*$ under a limit.
#include "vsecm/age/internal/stanzas.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <optional>
#include <string_view>

#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/primitives.hpp"

namespace vsecm::age::internal {
namespace {

constexpr std::string_view kX25519Label = "age-encryption.org/v1/X25519";
constexpr std::string_view kScryptLabel = "age-encryption.org/v1/scrypt";
constexpr size_t kWrappedKeySize = kFileKeySize + kTagSize;

// Decodes a canonical base64 argument that must be exactly `want` bytes.
template <size_t N>
bool DecodeExact(std::string_view arg, std::array<uint8_t, N>& out) {
  std::array<uint8_t, N + 4> buf{};
  if (arg.size() > (N * 4 + 2) / 3) return false;
  std::optional<size_t> n = Base64RawDecode(arg, buf);
  if (!n || *n != N) return false;
  std::copy(buf.begin(), buf.begin() + N, out.begin());
  return true;
}

// 32 bytes of wrap key derived per stanza, wiped on every path.
class WrapKey {
 public:
  WrapKey() = default;
  WrapKey(const WrapKey&) = delete;
  WrapKey& operator=(const WrapKey&) = delete;
  ~WrapKey() { OPENSSL_cleanse(key_.data(), key_.size()); }
  std::array<uint8_t, 32>& get() { return key_; }

 private:
  std::array<uint8_t, 32> key_{};
};

Status X25519WrapKey(std::span<const uint8_t, 32> shared, std::span<const uint8_t, 32> share,
                     std::span<const uint8_t, 32> recipient, WrapKey& key) {
  std::array<uint8_t, 64> salt;
  std::copy(share.begin(), share.end(), salt.begin());
  std::copy(recipient.begin(), recipient.end(), salt.begin() + 32);
  return Hkdf(shared, salt, kX25519Label, key.get());
}

}  // namespace

StatusOr<Stanza> WrapX25519(std::span<const uint8_t, 32> recipient,
                            std::span<const uint8_t, kFileKeySize> file_key) {
  std::array<uint8_t, 32> ephemeral;
  std::array<uint8_t, 32> share{};
  std::array<uint8_t, 32> shared{};
  WrapKey key;
  Stanza stanza;
  stanza.type = "X25519";
  stanza.body.resize(kWrappedKeySize);
  if (RAND_priv_bytes(ephemeral.data(), ephemeral.size()) != 1) {
    return Internal("openssl: the random number generator failed");
  }
  StatusOr<X25519Key> eph = X25519Key::FromSecret(ephemeral);
  Status s = eph.status();
  if (s.ok()) {
    std::copy(eph->public_key().begin(), eph->public_key().end(), share.begin());
    s = eph->Shared(recipient, shared);
    if (!s.ok()) s = InvalidArgument("the age recipient is not a valid x25519 public key");
  }
  if (s.ok()) s = X25519WrapKey(shared, share, recipient, key);
  if (s.ok()) s = SealZeroNonce(key.get(), file_key, stanza.body);
  OPENSSL_cleanse(ephemeral.data(), ephemeral.size());
  OPENSSL_cleanse(shared.data(), shared.size());
  if (!s.ok()) return s;
  stanza.args.push_back(Base64RawEncode(share));
  return stanza;
}

Status UnwrapX25519(const X25519Key& identity, const Stanza& stanza,
                    std::span<uint8_t, kFileKeySize> file_key_out) {
  if (stanza.type != "X25519") return NotFound("not an x25519 stanza");
  if (stanza.args.size() != 1) {
    return InvalidArgument("invalid x25519 stanza: wants exactly one argument");
  }
  std::array<uint8_t, 32> share;
  if (!DecodeExact(stanza.args[0], share)) {
    return InvalidArgument("invalid x25519 stanza: the share is not 32 bytes of canonical base64");
  }
  if (stanza.body.size() != kWrappedKeySize) {
    return InvalidArgument("invalid x25519 stanza: the body is not a 16-byte wrapped file key");
  }
  std::array<uint8_t, 32> shared{};
  WrapKey key;
  Status s = identity.Shared(share, shared);
  if (s.ok()) s = X25519WrapKey(shared, share, identity.public_key(), key);
  OPENSSL_cleanse(shared.data(), shared.size());
  VSECM_RETURN_IF_ERROR(s);
  if (!OpenZeroNonce(key.get(), stanza.body, file_key_out)) {
    return NotFound("the x25519 stanza is not for this identity");
  }
  return Status::Ok();
}

Status UnwrapScrypt(std::span<const uint8_t> passphrase, int max_log_n, const Stanza& stanza,
                    std::span<uint8_t, kFileKeySize> file_key_out) {
  if (stanza.type != "scrypt") return NotFound("not an scrypt stanza");
  if (stanza.args.size() != 2) {
    return InvalidArgument("invalid scrypt stanza: wants exactly two arguments");
  }
  std::array<uint8_t, 16> salt;
  if (!DecodeExact(stanza.args[0], salt)) {
    return InvalidArgument("invalid scrypt stanza: the salt is not 16 bytes of canonical base64");
  }
  const std::string& work = stanza.args[1];
  bool digits = !work.empty() && work[0] >= '1' && work[0] <= '9' && work.size() <= 2;
  for (char c : work) digits = digits && c >= '0' && c <= '9';
  if (!digits) return InvalidArgument("invalid scrypt stanza: malformed work factor");
  const int log_n = std::stoi(work);
  if (log_n > max_log_n || log_n > 30) {
    return InvalidArgument("scrypt work factor 2^" + work + " exceeds the limit 2^" +
                           std::to_string(max_log_n));
  }
  if (stanza.body.size() != kWrappedKeySize) {
    return InvalidArgument("invalid scrypt stanza: the body is not a 16-byte wrapped file key");
  }
  std::array<uint8_t, kScryptLabel.size() + 16> full_salt;
  std::copy(kScryptLabel.begin(), kScryptLabel.end(), full_salt.begin());
  std::copy(salt.begin(), salt.end(), full_salt.begin() + kScryptLabel.size());
  const uint64_t n = uint64_t{1} << log_n;
  constexpr uint64_t r = 8, p = 1;
  // scrypt needs 128*r*(N+2) bytes for V and 128*r*p for B; leave a little headroom.
  const uint64_t max_mem = 128 * r * (n + 2) + 128 * r * p + (uint64_t{1} << 20);
  WrapKey key;
  if (EVP_PBE_scrypt(reinterpret_cast<const char*>(passphrase.data()), passphrase.size(),
                     full_salt.data(), full_salt.size(), n, r, p, max_mem, key.get().data(),
                     key.get().size()) != 1) {
    return ResourceExhausted("scrypt failed (work factor 2^" + work + ")");
  }
  if (!OpenZeroNonce(key.get(), stanza.body, file_key_out)) {
    return NotFound("incorrect passphrase");
  }
  return Status::Ok();
}

}  // namespace vsecm::age::internal
