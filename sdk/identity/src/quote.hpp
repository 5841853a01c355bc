// Quoting of untrusted text (a peer's SPIFFE ID, a file name) for error messages: bounded in
// length and free of control characters, so a hostile certificate cannot forge log lines.
#ifndef VSECM_IDENTITY_SRC_QUOTE_HPP_
#define VSECM_IDENTITY_SRC_QUOTE_HPP_

#include <string>
#include <string_view>

namespace vsecm::identity::internal {

inline std::string Quote(std::string_view text, size_t limit = 120) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    out += (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') ? '?' : static_cast<char>(c);
  }
  if (text.size() > limit) out += "...";
  out += '"';
  return out;
}

}  // namespace vsecm::identity::internal

#endif  // VSECM_IDENTITY_SRC_QUOTE_HPP_
