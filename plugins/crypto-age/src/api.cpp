// The public age API: composes header, stanzas, payload and armor. Every entry point converts
// exceptions from the sink (the host refusing memory) into a Status.
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <new>
#include <vector>

#include "vsecm/age/age.hpp"
#include "vsecm/age/internal/armor.hpp"
#include "vsecm/age/internal/base64.hpp"
#include "vsecm/age/internal/bech32.hpp"
#include "vsecm/age/internal/header.hpp"
#include "vsecm/age/internal/primitives.hpp"
#include "vsecm/age/internal/stanzas.hpp"
#include "vsecm/age/internal/stream.hpp"

namespace vsecm::age {
namespace {

using namespace vsecm::age::internal;  // NOLINT(google-build-using-namespace)

constexpr std::string_view kIdentityHrp = "AGE-SECRET-KEY-";
constexpr std::string_view kRecipientHrp = "age";
constexpr size_t kIdentityLength = Bech32EncodedLength(kIdentityHrp.size(), 32);
constexpr size_t kRecipientLength = Bech32EncodedLength(kRecipientHrp.size(), 32);

template <class Fn>
Status Guarded(Fn&& fn) {
  try {
    return fn();
  } catch (const StatusError& e) {
    return e.status();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory");
  }
}

using FileKeySpan = std::span<uint8_t, kFileKeySize>;

// A 16-byte file key that is wiped when it goes out of scope.
class FileKey {
 public:
  FileKey() = default;
  FileKey(const FileKey&) = delete;
  FileKey& operator=(const FileKey&) = delete;
  ~FileKey() { OPENSSL_cleanse(key_.data(), key_.size()); }
  std::array<uint8_t, kFileKeySize>& get() { return key_; }

 private:
  std::array<uint8_t, kFileKeySize> key_{};
};

// Collects cipher text (never plain text) for armoring.
class CipherTextBuffer {
 public:
  vsecm_sink sink() { return {sizeof(vsecm_sink), this, &Append}; }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  static uint8_t* Append(void* self, size_t len) noexcept {
    auto* buffer = static_cast<CipherTextBuffer*>(self);
    try {
      size_t old = buffer->bytes_.size();
      buffer->bytes_.resize(old + len);
      return buffer->bytes_.data() + old;
    } catch (const std::bad_alloc&) {
      return nullptr;
    }
  }
  std::vector<uint8_t> bytes_;
};

Status EncryptBinary(std::span<const Recipient> recipients, ByteView plaintext, Sink& out) {
  FileKey file_key;
  if (RAND_priv_bytes(file_key.get().data(), kFileKeySize) != 1) {
    return Internal("openssl: the random number generator failed");
  }
  std::vector<Stanza> stanzas;
  stanzas.reserve(recipients.size());
  for (const Recipient& r : recipients) {
    VSECM_ASSIGN_OR_RETURN(Stanza s, WrapX25519(r, file_key.get()));
    stanzas.push_back(std::move(s));
  }
  std::string header = SerializeHeaderWithoutMac(stanzas);
  std::array<uint8_t, 32> mac;
  VSECM_RETURN_IF_ERROR(ComputeHeaderMac(
      file_key.get(), {reinterpret_cast<const uint8_t*>(header.data()), header.size()}, mac));
  header += ' ';
  header += Base64RawEncode(mac);
  header += '\n';
  out.Write(header);
  return EncryptPayload(file_key.get(), plaintext, out);
}

// Tries `identity` on every X25519 stanza: OK with the file key, NOT_FOUND when none is for it.
Status UnwrapWithIdentity(const X25519Key& identity, const std::vector<Stanza>& stanzas,
                          FileKeySpan file_key) {
  for (const Stanza& s : stanzas) {
    Status st = UnwrapX25519(identity, s, file_key);
    if (st.code() != StatusCode::kNotFound) return st;
  }
  return NotFound("no identity matched any of the age file's recipients");
}

Status RefuseMixedScrypt(const std::vector<Stanza>& stanzas) {
  for (const Stanza& s : stanzas) {
    if (s.type == "scrypt" && stanzas.size() != 1) {
      return InvalidArgument("an scrypt stanza must be the only stanza of an age header");
    }
  }
  return Status::Ok();
}

// Finds the file key among the stanzas. NOT_FOUND when nothing matched.
Status UnwrapFileKey(const DecryptKeys& keys, const std::vector<Stanza>& stanzas,
                     FileKeySpan file_key) {
  VSECM_RETURN_IF_ERROR(RefuseMixedScrypt(stanzas));
  for (SecretView secret : keys.identities) {
    VSECM_ASSIGN_OR_RETURN(X25519Key identity, X25519Key::FromSecret(secret));
    Status st = UnwrapWithIdentity(identity, stanzas, file_key);
    if (st.code() != StatusCode::kNotFound) return st;
  }
  if (keys.has_passphrase) {
    for (const Stanza& s : stanzas) {
      if (s.type != "scrypt") continue;
      Status st = UnwrapScrypt(keys.passphrase, keys.max_scrypt_log_n, s, file_key);
      if (st.code() == StatusCode::kNotFound) return NotFound("incorrect passphrase");
      return st;
    }
  }
  return NotFound("no identity matched any of the age file's recipients");
}

// Parses the header, finds the file key with `unwrap`, then checks the MAC and the payload.
template <class Unwrap>
Status DecryptBinary(ByteView file, Sink& out, Unwrap&& unwrap) {
  VSECM_ASSIGN_OR_RETURN(Header header, ParseHeader(file));
  FileKey file_key;
  VSECM_RETURN_IF_ERROR(unwrap(header.stanzas, FileKeySpan(file_key.get())));
  std::array<uint8_t, 32> mac;
  VSECM_RETURN_IF_ERROR(ComputeHeaderMac(file_key.get(), file.first(header.mac_input_size), mac));
  if (CRYPTO_memcmp(mac.data(), header.mac.data(), mac.size()) != 0) {
    return IntegrityFailure("the age header mac does not match");
  }
  return DecryptPayload(file_key.get(), file.subspan(header.size), out);
}

// Binary or armored input, with exceptions from the sink turned into a Status.
template <class Unwrap>
Status DecryptAnyArmor(ByteView ciphertext, Sink& out, Unwrap&& unwrap) {
  return Guarded([&] {
    if (!LooksArmored(ciphertext)) return DecryptBinary(ciphertext, out, unwrap);
    std::vector<uint8_t> binary;
    VSECM_RETURN_IF_ERROR(ArmorDecode(ciphertext, binary));
    return DecryptBinary(binary, out, unwrap);
  });
}

}  // namespace

Status GenerateIdentity(std::span<uint8_t, 32> secret_out) {
  if (RAND_priv_bytes(secret_out.data(), static_cast<int>(secret_out.size())) != 1) {
    return Internal("openssl: the random number generator failed");
  }
  return Status::Ok();
}

Status EncodeIdentity(SecretView secret, Sink& out) {
  return Guarded([&] {
    std::array<char, kIdentityLength> text;
    Status s = Bech32Encode(kIdentityHrp, secret, text);
    if (s.ok()) out.Write(std::string_view(text.data(), text.size()));
    OPENSSL_cleanse(text.data(), text.size());
    return s;
  });
}

Status DecodeIdentity(std::string_view text, std::span<uint8_t, 32> secret_out) {
  Status s = Bech32Decode(text, kIdentityHrp, secret_out);
  return s.WithContext("malformed age secret key");
}

StatusOr<std::string> RecipientOf(SecretView secret) {
  std::array<uint8_t, 32> pub;
  VSECM_RETURN_IF_ERROR(X25519Public(secret, pub));
  std::string text(kRecipientLength, '\0');
  VSECM_RETURN_IF_ERROR(Bech32Encode(kRecipientHrp, pub, text));
  return text;
}

StatusOr<Recipient> DecodeRecipient(std::string_view text) {
  Recipient r;
  VSECM_RETURN_IF_ERROR(
      Bech32Decode(text, kRecipientHrp, r).WithContext("malformed age recipient"));
  return r;
}

Status Encrypt(std::span<const Recipient> recipients, ByteView plaintext, Armor armor, Sink& out) {
  if (recipients.empty()) return InvalidArgument("age encryption needs at least one recipient");
  return Guarded([&] {
    if (armor == Armor::kBinary) return EncryptBinary(recipients, plaintext, out);
    CipherTextBuffer binary;
    Sink binary_sink(binary.sink());
    VSECM_RETURN_IF_ERROR(EncryptBinary(recipients, plaintext, binary_sink));
    out.Write(ArmorEncode(binary.bytes()));
    return Status::Ok();
  });
}

Status Decrypt(const DecryptKeys& keys, ByteView ciphertext, Sink& out) {
  if (keys.identities.empty() && !keys.has_passphrase) {
    return InvalidArgument("age decryption needs an identity or a passphrase");
  }
  if (keys.has_passphrase && keys.passphrase.empty()) {
    return InvalidArgument("an age passphrase cannot be empty");
  }
  return DecryptAnyArmor(ciphertext, out, [&](const std::vector<Stanza>& stanzas, FileKeySpan key) {
    return UnwrapFileKey(keys, stanzas, key);
  });
}

Status Decrypt(const PreparedIdentity& identity, ByteView ciphertext, Sink& out) {
  if (identity.key_ == nullptr) return InvalidArgument("age decryption needs an identity");
  return DecryptAnyArmor(ciphertext, out, [&](const std::vector<Stanza>& stanzas, FileKeySpan key) {
    VSECM_RETURN_IF_ERROR(RefuseMixedScrypt(stanzas));
    return UnwrapWithIdentity(*identity.key_, stanzas, key);
  });
}

StatusOr<PreparedIdentity> PreparedIdentity::FromSecret(SecretView secret) {
  VSECM_ASSIGN_OR_RETURN(X25519Key key, X25519Key::FromSecret(secret));
  PreparedIdentity prepared;
  try {
    prepared.key_ = std::make_shared<const X25519Key>(std::move(key));
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory");
  }
  return prepared;
}

Status Decrypt(SecretView identity, ByteView ciphertext, Sink& out) {
  DecryptKeys keys;
  keys.identities = std::span<const SecretView>(&identity, 1);
  return Decrypt(keys, ciphertext, out);
}

bool LooksLikeAge(ByteView data) {
  std::string_view text(reinterpret_cast<const char*>(data.data()), data.size());
  return text.starts_with(kIntro) || LooksArmored(data);
}

}  // namespace vsecm::age
