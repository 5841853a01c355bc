// The age v1 header: parsing (strict, as filippo.io/age/internal/format), serialization and
// the header MAC. Internal to vsecm_age; public for tests and fuzzing.
#ifndef VSECM_AGE_INTERNAL_HEADER_HPP_
#define VSECM_AGE_INTERNAL_HEADER_HPP_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/sdk/status.hpp"

namespace vsecm::age::internal {

inline constexpr std::string_view kIntro = "age-encryption.org/v1\n";
inline constexpr size_t kFileKeySize = 16;
inline constexpr size_t kBytesPerLine = 48;  // decoded bytes in a full 64-column line
inline constexpr size_t kColumnsPerLine = 64;

// One recipient stanza. `type` is the first argument, `args` the rest.
struct Stanza {
  std::string type;
  std::vector<std::string> args;
  std::vector<uint8_t> body;  // a wrapped file key: cipher text, not secret
};

struct Header {
  std::vector<Stanza> stanzas;
  std::array<uint8_t, 32> mac{};
  size_t mac_input_size = 0;  // bytes covered by the MAC: up to and including "---"
  size_t size = 0;            // bytes of the whole header, including the MAC line's LF
};

// Parses the header at the start of `file`. INVALID_ARGUMENT when malformed, DATA_LOSS when
// `file` ends inside the header.
StatusOr<Header> ParseHeader(std::span<const uint8_t> file);

// The header text up to and including "---" (what the MAC covers).
std::string SerializeHeaderWithoutMac(std::span<const Stanza> stanzas);

// HMAC-SHA-256 keyed with HKDF(file key, salt = "", info = "header") over `header_prefix`.
Status ComputeHeaderMac(std::span<const uint8_t, kFileKeySize> file_key,
                        std::span<const uint8_t> header_prefix, std::span<uint8_t, 32> mac_out);

}  // namespace vsecm::age::internal

#endif  // VSECM_AGE_INTERNAL_HEADER_HPP_
