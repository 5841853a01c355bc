#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {

std::pair<char32_t, size_t> DecodeRune(std::string_view s) {
  if (s.empty()) return {kRuneError, 0};
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c0 = b(0);
  if (c0 < 0x80) return {c0, 1};
  const auto cont = [&](size_t i) { return i < s.size() && (b(i) & 0xC0) == 0x80; };
  if (c0 >= 0xC2 && c0 <= 0xDF) {
    if (!cont(1)) return {kRuneError, 1};
    return {static_cast<char32_t>(((c0 & 0x1F) << 6) | (b(1) & 0x3F)), 2};
  }
  if (c0 >= 0xE0 && c0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return {kRuneError, 1};
    char32_t r = ((c0 & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F);
    if (r < 0x800 || (r >= 0xD800 && r < 0xE000)) return {kRuneError, 1};
    return {r, 3};
  }
  if (c0 >= 0xF0 && c0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return {kRuneError, 1};
    char32_t r = ((c0 & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) | (b(3) & 0x3F);
    if (r < 0x10000 || r > kMaxRune) return {kRuneError, 1};
    return {r, 4};
  }
  return {kRuneError, 1};
}

size_t RuneCount(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) i += DecodeRune(s.substr(i)).second;
  return n;
}

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto [r, w] = DecodeRune(s.substr(i));
    if (r == kRuneError && w == 1) return false;
    i += w;
  }
  return true;
}

bool IsPrint(char32_t r) {
  if (r < 0x80) return r >= 0x20 && r < 0x7F;
  if (r < 0xA1) return false;  // C1 controls and the no-break space
  if (r == 0xAD || r == 0x34F || (r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD ||
      r == 0x70F || r == 0x1680 || r == 0x180E || (r >= 0x2000 && r <= 0x200F) ||
      (r >= 0x2028 && r <= 0x202F) || (r >= 0x205F && r <= 0x206F) || r == 0x3000 ||
      (r >= 0xD800 && r <= 0xF8FF) || r == 0xFEFF || (r >= 0xFFF0 && r <= 0xFFFB) ||
      r == 0xFFFE || r == 0xFFFF || (r >= 0xE0000 && r <= 0xE007F) || r >= 0xF0000) {
    return false;
  }
  return r <= kMaxRune;
}

bool IsSpace(char32_t r) {
  switch (r) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
    case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default:
      return r >= 0x2000 && r <= 0x200A;
  }
}

bool IsDigit(char32_t r) { return r >= '0' && r <= '9'; }

bool IsLetter(char32_t r) {
  if (r < 0x80) return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z');
  if (r < 0xC0) return r == 0xAA || r == 0xB5 || r == 0xBA;
  return !IsSpace(r) && IsPrint(r);
}

std::string_view TrimSpace(std::string_view s) {
  size_t start = 0;
  while (start < s.size()) {
    auto [r, w] = DecodeRune(s.substr(start));
    if (!(r == kRuneError && w == 1) && IsSpace(r)) {
      start += w;
    } else {
      break;
    }
  }
  size_t end = s.size();
  while (end > start) {
    // Step back one rune.
    size_t k = end - 1;
    while (k > start && (static_cast<unsigned char>(s[k]) & 0xC0) == 0x80 && end - k < 4) --k;
    auto [r, w] = DecodeRune(s.substr(k, end - k));
    if (w != end - k) {
      k = end - 1;
      r = kRuneError;
      w = 1;
    }
    if (!(r == kRuneError && w == 1) && IsSpace(r)) {
      end = k;
    } else {
      break;
    }
  }
  return s.substr(start, end - start);
}

}  // namespace vsecm::transform
