// age's payload: a 16-byte nonce, then the plain text in 64 KiB chunks, each sealed with
// ChaCha20-Poly1305 under HKDF(file key, salt = nonce, info = "payload") and the STREAM nonce
// (11-byte big-endian chunk counter || last-chunk flag). Internal to vsecm_age.
#ifndef VSECM_AGE_INTERNAL_STREAM_HPP_
#define VSECM_AGE_INTERNAL_STREAM_HPP_

#include <cstddef>
#include <cstdint>
#include <span>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

inline constexpr size_t kChunkSize = 64 * 1024;
inline constexpr size_t kStreamNonceSize = 16;

// Size of the sealed chunks (without the 16-byte nonce) for a plain text of `n` bytes.
size_t SealedPayloadSize(size_t n);

// Derives the payload key from the file key and a fresh nonce, writes the nonce and every
// sealed chunk into `out`.
Status EncryptPayload(std::span<const uint8_t, 16> file_key, std::span<const uint8_t> plaintext,
                      vsecm::sdk::Sink& out);

// Decrypts `payload` (nonce and chunks, nothing after). Each chunk's tag is verified before
// its plain text is written to `out`. DATA_LOSS when the payload is truncated or has data after
// the final chunk (or an empty final chunk after others), INTEGRITY_FAILURE when a chunk does
// not authenticate. May throw StatusError from the sink.
Status DecryptPayload(std::span<const uint8_t, 16> file_key, std::span<const uint8_t> payload,
                      vsecm::sdk::Sink& out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_STREAM_HPP_
