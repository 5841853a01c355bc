// The two base64 dialects of age, both strict (RFC 4648 section 3.5 canonical):
//  - the header's unpadded ("raw") standard alphabet, which rejects '=' and line breaks;
//  - the armor's padded standard alphabet, which requires correct '=' padding.
// Both reject non-zero trailing bits, so every byte string has exactly one accepted encoding.
// Internal to vsecm_age; public for tests.
#ifndef VSECM_AGE_INTERNAL_BASE64_HPP_
#define VSECM_AGE_INTERNAL_BASE64_HPP_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vsecm::age::internal {

// Unpadded encoding of `data`.
std::string Base64RawEncode(std::span<const uint8_t> data);
// Padded encoding of `data`, appended to `out`.
void Base64PaddedEncode(std::span<const uint8_t> data, std::string& out);

// Bytes that an encoding of `chars` characters decodes to at most.
constexpr size_t Base64MaxDecodedSize(size_t chars) { return chars / 4 * 3 + 3; }

// Decodes canonical unpadded base64 into `out` (at least Base64MaxDecodedSize(text.size())
// bytes) and returns the number of bytes written, or nullopt when `text` is not canonical.
std::optional<size_t> Base64RawDecode(std::string_view text, std::span<uint8_t> out);

// Same for canonical padded base64 (length a multiple of 4, '=' only at the end).
std::optional<size_t> Base64PaddedDecode(std::string_view text, std::span<uint8_t> out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_BASE64_HPP_
