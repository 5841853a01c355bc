// age's ASCII armor: strict PEM (RFC 7468) with label "AGE ENCRYPTED FILE", padded base64 in
// 64-column lines, no headers. Decoding follows filippo.io/age/armor: LF or CRLF line ends,
// at most 1024 bytes of whitespace before the BEGIN line and fewer than 1024 after the END line,
// nothing else. Armored data is cipher text, so ordinary containers are fine here.
// Internal to vsecm_age; public for tests and fuzzing.
#ifndef VSECM_AGE_INTERNAL_ARMOR_HPP_
#define VSECM_AGE_INTERNAL_ARMOR_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

inline constexpr std::string_view kArmorBegin = "-----BEGIN AGE ENCRYPTED FILE-----";
inline constexpr std::string_view kArmorEnd = "-----END AGE ENCRYPTED FILE-----";
inline constexpr size_t kArmorMaxWhitespace = 1024;

// True when `data`, after leading whitespace (as the age CLI peeks it), starts with the BEGIN
// line.
bool LooksArmored(std::span<const uint8_t> data);

// The armored form of `binary`, ending with the END line and a newline.
std::string ArmorEncode(std::span<const uint8_t> binary);

// Decodes an armored file into `out`. INVALID_ARGUMENT on any deviation from the format.
Status ArmorDecode(std::span<const uint8_t> text, std::vector<uint8_t>& out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_ARMOR_HPP_
