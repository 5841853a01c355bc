// Number, character and string literals as strconv parses them for text/template.
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

#include "vsecm/transform/parser.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {
namespace {

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// strconv's underscoreOK: an underscore only between digits, or after a base prefix.
bool UnderscoreOk(std::string_view s) {
  char saw = '^';
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0') {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'b' || p == 'o' || p == 'x') {
      i = 2;
      saw = '0';
      hex = p == 'x';
    }
  }
  for (; i < s.size(); ++i) {
    char c = s[i];
    char l = static_cast<char>(c | 0x20);
    if ((c >= '0' && c <= '9') || (hex && l >= 'a' && l <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// strconv.ParseUint(s, 0, 64); false on syntax error or overflow.
bool ParseUintBase0(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  if (s.find('_') != std::string_view::npos && !UnderscoreOk(s)) return false;
  int base = 10;
  if (s[0] == '0' && s.size() > 1) {
    char p = static_cast<char>(s[1] | 0x20);
    if (p == 'x' || p == 'o' || p == 'b') {
      base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
      s.remove_prefix(2);
      if (s.empty()) return false;
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  uint64_t v = 0;
  for (char c : s) {
    if (c == '_') continue;
    int d = DigitValue(c);
    if (d >= base) return false;
    if (v > (UINT64_MAX - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  out = v;
  return true;
}

bool ParseIntBase0(std::string_view s, int64_t& out) {
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  uint64_t u;
  if (!ParseUintBase0(s, u)) return false;
  if (neg) {
    if (u > uint64_t{1} << 63) return false;
    out = static_cast<int64_t>(0 - u);
  } else {
    if (u > static_cast<uint64_t>(INT64_MAX)) return false;
    out = static_cast<int64_t>(u);
  }
  return true;
}

// strconv.ParseFloat(s, 64) for decimal and hexadecimal floats; false on any error.
bool ParseFloat(std::string_view s, double& out) {
  std::string clean;
  bool neg = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.find('_') != std::string_view::npos && !UnderscoreOk(s)) return false;
  bool hex = s.size() > 1 && s[0] == '0' && (s[1] | 0x20) == 'x';
  if (hex) s.remove_prefix(2);
  for (char c : s) {
    if (c != '_') clean.push_back(c);
  }
  if (clean.empty()) return false;
  auto fmt = hex ? std::chars_format::hex : std::chars_format::general;
  if (hex && clean.find_first_of("pP") == std::string::npos) return false;
  auto [ptr, ec] = std::from_chars(clean.data(), clean.data() + clean.size(), out, fmt);
  if (ptr != clean.data() + clean.size()) return false;
  if (ec == std::errc::result_out_of_range) return false;
  if (ec != std::errc() || std::isinf(out)) return false;
  if (neg) out = -out;
  return true;
}

// strconv.UnquoteChar: one possibly escaped character of a literal delimited by `quote`.
bool UnquoteChar(std::string_view& s, char quote, char32_t& value, bool& multibyte) {
  multibyte = false;
  if (s.empty()) return false;
  unsigned char c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) return false;
  if (c >= 0x80) {
    auto [r, w] = DecodeRune(s);
    value = r;
    multibyte = true;
    s.remove_prefix(w);
    return true;
  }
  if (c != '\\') {
    value = c;
    s.remove_prefix(1);
    return true;
  }
  if (s.size() <= 1) return false;
  char e = s[1];
  s.remove_prefix(2);
  switch (e) {
    case 'a': value = '\a'; return true;
    case 'b': value = '\b'; return true;
    case 'f': value = '\f'; return true;
    case 'n': value = '\n'; return true;
    case 'r': value = '\r'; return true;
    case 't': value = '\t'; return true;
    case 'v': value = '\v'; return true;
    case 'x': case 'u': case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return false;
      char32_t v = 0;
      for (size_t i = 0; i < n; ++i) {
        int d = DigitValue(s[i]);
        if (d >= 16) return false;
        v = v * 16 + static_cast<char32_t>(d);
      }
      s.remove_prefix(n);
      if (e == 'x') {
        value = v;  // a single byte, not a rune
        return true;
      }
      if (v > kMaxRune || (v >= 0xD800 && v < 0xE000)) return false;
      value = v;
      multibyte = true;
      return true;
    }
    case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
      char32_t v = static_cast<char32_t>(e - '0');
      if (s.size() < 2) return false;
      for (int i = 0; i < 2; ++i) {
        int d = s[static_cast<size_t>(i)] - '0';
        if (d < 0 || d > 7) return false;
        v = v * 8 + static_cast<char32_t>(d);
      }
      s.remove_prefix(2);
      if (v > 255) return false;
      value = v;
      return true;
    }
    case '\\': value = '\\'; return true;
    case '\'': case '"':
      if (e != quote) return false;
      value = static_cast<char32_t>(e);
      return true;
    default: return false;
  }
}

}  // namespace

bool ParseNumberLiteral(const std::string& text, bool is_char, Node& n, std::string& error) {
  n.text = text;
  if (is_char) {
    std::string_view s(text);
    s.remove_prefix(1);
    char32_t r;
    bool multibyte;
    if (!UnquoteChar(s, '\'', r, multibyte)) {
      error = "invalid syntax";
      return false;
    }
    if (s != "'") {
      error = "malformed character constant: " + text;
      return false;
    }
    n.is_int = n.is_uint = n.is_float = true;
    n.int64 = r;
    n.uint64 = r;
    n.float64 = r;
    return true;
  }
  if (!text.empty() && text.back() == 'i') {
    error = "complex numbers are not supported: " + text;
    return false;
  }
  uint64_t u = 0;
  int64_t i = 0;
  std::string_view s(text);
  if (!s.empty() && s[0] == '+') {
    // ParseUint refuses a sign; ParseInt takes it.
  } else if (ParseUintBase0(s, u)) {
    n.is_uint = true;
    n.uint64 = u;
  }
  if (ParseIntBase0(s, i)) {
    n.is_int = true;
    n.int64 = i;
    if (i == 0) {
      n.is_uint = true;
      n.uint64 = 0;
    }
  }
  if (n.is_int) {
    n.is_float = true;
    n.float64 = static_cast<double>(n.int64);
  } else if (n.is_uint) {
    n.is_float = true;
    n.float64 = static_cast<double>(n.uint64);
  } else {
    double f;
    if (ParseFloat(s, f)) {
      if (text.find_first_of(".eEpP") == std::string::npos) {
        error = "integer overflow: \"" + text + "\"";
        return false;
      }
      n.is_float = true;
      n.float64 = f;
      if (std::fabs(f) < 9.2e18 && static_cast<double>(static_cast<int64_t>(f)) == f) {
        n.is_int = true;
        n.int64 = static_cast<int64_t>(f);
      }
      if (f >= 0 && f < 1.8e19 && static_cast<double>(static_cast<uint64_t>(f)) == f) {
        n.is_uint = true;
        n.uint64 = static_cast<uint64_t>(f);
      }
    }
  }
  if (!n.is_int && !n.is_uint && !n.is_float) {
    error = "illegal number syntax: \"" + text + "\"";
    return false;
  }
  return true;
}

bool UnquoteString(const std::string& quoted, std::string& out) {
  if (quoted.size() < 2) return false;
  char q = quoted.front();
  if (q != quoted.back()) return false;
  std::string_view body(quoted.data() + 1, quoted.size() - 2);
  if (q == '`') {
    if (body.find('`') != std::string_view::npos) return false;
    for (char c : body) {
      if (c != '\r') out.push_back(c);  // raw strings drop carriage returns
    }
    return true;
  }
  if (q != '"') return false;
  while (!body.empty()) {
    if (body[0] == '\n') return false;
    char32_t r;
    bool multibyte;
    if (!UnquoteChar(body, '"', r, multibyte)) return false;
    if (r < 0x80 || !multibyte) {
      out.push_back(static_cast<char>(r));
    } else {
      AppendRune(out, r);
    }
  }
  return true;
}

}  // namespace vsecm::transform
