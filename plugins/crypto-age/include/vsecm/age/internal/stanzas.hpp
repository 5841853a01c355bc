// The native recipient stanzas: X25519 (wrap and unwrap) and scrypt (unwrap only).
// Internal to vsecm_age.
#ifndef VSECM_AGE_INTERNAL_STANZAS_HPP_
#define VSECM_AGE_INTERNAL_STANZAS_HPP_

#include <cstdint>
#include <span>

#include "vsecm/age/internal/header.hpp"
#include "vsecm/age/internal/primitives.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

// Wraps `file_key` for `recipient` with a fresh ephemeral share.
StatusOr<Stanza> WrapX25519(std::span<const uint8_t, 32> recipient,
                            std::span<const uint8_t, kFileKeySize> file_key);

// Tries to unwrap an "X25519" stanza with `identity`.
// OK: file_key_out holds the key. NOT_FOUND: the stanza is not for this identity (or not an
// X25519 stanza). Other errors: the stanza is malformed (INVALID_ARGUMENT) or carries a
// low-order share (INTEGRITY_FAILURE); the caller must stop.
Status UnwrapX25519(const X25519Key& identity, const Stanza& stanza,
                    std::span<uint8_t, kFileKeySize> file_key_out);

// Same for an "scrypt" stanza and a passphrase; refuses work factors above 2^max_log_n.
Status UnwrapScrypt(std::span<const uint8_t> passphrase, int max_log_n, const Stanza& stanza,
                    std::span<uint8_t, kFileKeySize> file_key_out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_STANZAS_HPP_
