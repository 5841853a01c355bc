// Bech32 (BIP 173) as age uses it: no length limit beyond what fits our buffers, all-upper or
// all-lower case, checksum over the lower-case form. Internal to vsecm_age; public for tests.
#ifndef VSECM_AGE_INTERNAL_BECH32_HPP_
#define VSECM_AGE_INTERNAL_BECH32_HPP_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

// The longest Bech32 string we encode or decode; age keys are 62 and 74 characters.
inline constexpr size_t kMaxBech32Length = 256;

// Characters needed to encode `data_len` bytes under an HRP of `hrp_len` characters.
constexpr size_t Bech32EncodedLength(size_t hrp_len, size_t data_len) {
  return hrp_len + 1 + (data_len * 8 + 4) / 5 + 6;
}

// Writes the encoding of `data` into `out`, which must be exactly Bech32EncodedLength() long.
// `hrp` must be all lower or all upper case; the output has the case of the HRP. Temporaries
// are wiped, so `data` may be a secret.
Status Bech32Encode(std::string_view hrp, std::span<const uint8_t> data, std::span<char> out);

// Decodes `text`, requires its HRP to equal `expected_hrp` exactly (case included, which also
// fixes the case of the whole string) and its payload to be exactly out.size() bytes.
Status Bech32Decode(std::string_view text, std::string_view expected_hrp, std::span<uint8_t> out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_BECH32_HPP_
