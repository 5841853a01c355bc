// UTF-8 the way Go's unicode/utf8 sees it: an invalid byte decodes as (U+FFFD, 1).
#ifndef VSECM_TRANSFORM_UTF8_HPP_
#define VSECM_TRANSFORM_UTF8_HPP_

#include <cstddef>
#include <string_view>
#include <utility>

namespace vsecm::transform {

inline constexpr char32_t kRuneError = 0xFFFD;
inline constexpr char32_t kMaxRune = 0x10FFFF;

// The first rune of `s` and its width in bytes; (kRuneError, 1) for an invalid or truncated
// sequence, overlong encodings and surrogates; (kRuneError, 0) for an empty string.
std::pair<char32_t, size_t> DecodeRune(std::string_view s);

// Appends the UTF-8 encoding of `r` (U+FFFD for an invalid rune).
template <class String>
void AppendRune(String& out, char32_t r) {
  if (r > kMaxRune || (r >= 0xD800 && r < 0xE000)) r = kRuneError;
  if (r < 0x80) {
    out.push_back(static_cast<char>(r));
  } else if (r < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (r >> 6)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else if (r < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (r >> 12)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (r >> 18)));
    out.push_back(static_cast<char>(0x80 | ((r >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((r >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (r & 0x3F)));
  }
}

// Number of runes in `s`, counting each invalid byte as one (utf8.RuneCountInString).
size_t RuneCount(std::string_view s);

bool IsValidUtf8(std::string_view s);

// unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space. Outside
// ASCII this is an approximation: it knows the control, format, separator, surrogate and
// private-use ranges, and treats unassigned code points as printable.
bool IsPrint(char32_t r);

// unicode.IsSpace (what strings.TrimSpace trims).
bool IsSpace(char32_t r);

// unicode.IsLetter / unicode.IsDigit: exact for ASCII; any other rune above U+00BF counts as a
// letter except the spaces, separators and controls.
bool IsLetter(char32_t r);
bool IsDigit(char32_t r);

// strings.TrimSpace.
std::string_view TrimSpace(std::string_view s);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_UTF8_HPP_
