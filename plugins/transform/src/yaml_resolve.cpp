// yaml.v3's view of plain scalars (resolve.go, encode.go's isBase60Float and isOldBool) and of
// map key order (sorter.go).
#include <array>
#include <charconv>
#include <cmath>
#include <string>

#include "vsecm/transform/utf8.hpp"
#include "vsecm/transform/yaml_writer.hpp"

namespace vsecm::transform {
namespace {

bool IsD(char c) { return c >= '0' && c <= '9'; }

// strconv.ParseInt / ParseUint with base 0 on a string without underscores.
bool GoParseInt(std::string_view s, bool allow_sign) {
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    if (!allow_sign) return false;
    s.remove_prefix(1);
  }
  if (s.empty()) return false;
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
  // Overflow also fails in Go; the callers then try a float, which a digit string always is,
  // so only the syntax matters here.
  for (char c : s) {
    int d = IsD(c) ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? (c | 0x20) - 'a' + 10 : 99;
    if (d >= base) return false;
  }
  return true;
}

// The regular expression ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$.
bool YamlStyleFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t d = i;
    while (i < s.size() && IsD(s[i])) ++i;
    if (i == d) return false;
  } else {
    size_t d = i;
    while (i < s.size() && IsD(s[i])) ++i;
    if (i == d) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && IsD(s[i])) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t d = i;
    while (i < s.size() && IsD(s[i])) ++i;
    if (i == d) return false;
  }
  return i == s.size();
}

// strconv.ParseFloat for a string the regular expression above accepted, or one starting
// with '.' (digits with underscores between them, an optional exponent).
bool GoParseDecimalFloat(std::string_view s) {
  std::string clean;
  char prev = '^';
  for (char c : s) {
    if (c == '_') {
      if (!IsD(prev)) return false;
    } else {
      if (prev == '_' && !IsD(c)) return false;
      clean.push_back(c);
    }
    prev = c;
  }
  if (prev == '_') return false;
  std::string_view v(clean);
  if (!v.empty() && v[0] == '+') v.remove_prefix(1);
  if (!YamlStyleFloat(v)) return false;
  double out;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ptr != v.data() + v.size()) return false;
  if (ec == std::errc::result_out_of_range) {
    // Underflow is fine for Go; overflow is an error. Underflowed values have a negative
    // exponent that from_chars reports as out of range with a tiny result.
    size_t e = v.find_first_of("eE");
    return e != std::string_view::npos && v[e + 1] == '-';
  }
  return ec == std::errc();
}

// Parses 1 or 2 digits (time's getnum with fixed=false).
bool GetNum(std::string_view s, size_t& i, int& out) {
  if (i >= s.size() || !IsD(s[i])) return false;
  out = s[i++] - '0';
  if (i < s.size() && IsD(s[i])) out = out * 10 + (s[i++] - '0');
  return true;
}

int DaysIn(int month, int year) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[static_cast<size_t>(month - 1)];
}

// yaml.v3's parseTimestamp: the layouts 2006-1-2T15:4:5.999999999Z07:00 (also with 't'),
// "2006-1-2 15:4:5.999999999" and 2006-1-2, with time.Parse's range checks.
bool IsTimestamp(std::string_view s) {
  if (s.size() < 5 || !IsD(s[0]) || !IsD(s[1]) || !IsD(s[2]) || !IsD(s[3]) || s[4] != '-') return false;
  int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  size_t i = 5;
  int month, day;
  if (!GetNum(s, i, month) || month < 1 || month > 12) return false;
  if (i >= s.size() || s[i++] != '-') return false;
  if (!GetNum(s, i, day) || day < 1 || day > 31) return false;
  if (day > DaysIn(month, year)) return false;
  if (i == s.size()) return true;
  char sep = s[i++];
  if (sep != 'T' && sep != 't' && sep != ' ') return false;
  int hour, minute, second;
  if (!GetNum(s, i, hour) || hour >= 24) return false;
  if (i >= s.size() || s[i++] != ':') return false;
  if (!GetNum(s, i, minute) || minute >= 60) return false;
  if (i >= s.size() || s[i++] != ':') return false;
  if (!GetNum(s, i, second) || second >= 60) return false;
  if (i + 1 < s.size() && (s[i] == '.' || s[i] == ',') && IsD(s[i + 1])) {
    ++i;
    while (i < s.size() && IsD(s[i])) ++i;
  }
  if (sep == ' ') return i == s.size();
  if (i < s.size() && s[i] == 'Z') return i + 1 == s.size();
  if (s.size() - i != 6 || (s[i] != '+' && s[i] != '-') || s[i + 3] != ':') return false;
  if (!IsD(s[i + 1]) || !IsD(s[i + 2]) || !IsD(s[i + 4]) || !IsD(s[i + 5])) return false;
  int hh = (s[i + 1] - '0') * 10 + (s[i + 2] - '0');
  int mm = (s[i + 4] - '0') * 10 + (s[i + 5] - '0');
  return hh <= 24 && mm <= 60;
}

// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool IsBase60Float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !IsD(s[i])) return false;
  ++i;
  while (i < s.size() && (IsD(s[i]) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    size_t d = i;
    while (i < s.size() && IsD(s[i]) && i - d < 2) ++i;
    size_t n = i - d;
    if (n == 0) return false;
    if (n == 2 && s[d] > '5') return false;
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (IsD(s[i]) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

bool IsOldBool(std::string_view s) {
  static constexpr std::array<std::string_view, 18> kWords = {
      "y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "n", "N", "no", "No", "NO", "off", "Off", "OFF"};
  for (std::string_view w : kWords) {
    if (!w.empty() && w == s) return true;
  }
  return false;
}

bool InResolveMap(std::string_view s) {
  static constexpr std::array<std::string_view, 26> kWords = {
      "true", "True", "TRUE", "false", "False", "FALSE", "~", "null", "Null", "NULL",
      ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
      "-.Inf", "-.INF"};
  for (std::string_view w : kWords) {
    if (!w.empty() && w == s) return true;
  }
  return false;
}

}  // namespace

bool YamlNeedsQuotes(std::string_view s) {
  if (s.empty()) return true;  // resolves to null
  const char c = s[0];
  char hint = 0;
  if (c == '+' || c == '-') hint = 'S';
  else if (IsD(c)) hint = 'D';
  else if (std::string_view("yYnNtTfFoO~").find(c) != std::string_view::npos) hint = 'M';
  else if (c == '.') hint = '.';
  if (hint != 0) {
    if (InResolveMap(s)) return true;
    if (hint == '.' && GoParseDecimalFloat(s)) return true;
    if (hint == 'D' || hint == 'S') {
      if (IsTimestamp(s)) return true;
      std::string plain;
      for (char ch : s) {
        if (ch != '_') plain.push_back(ch);
      }
      if (GoParseInt(plain, true) || GoParseInt(plain, false)) return true;
      if (YamlStyleFloat(plain) && GoParseDecimalFloat(plain)) return true;
      std::string_view p(plain);
      bool neg = !p.empty() && p[0] == '-';
      if (neg) p.remove_prefix(1);
      if ((p.starts_with("0b") || p.starts_with("0o")) && p.size() > 2) {
        char base = p[1];
        bool ok = true;
        for (char ch : p.substr(2)) ok = ok && ch >= '0' && ch <= (base == 'b' ? '1' : '7');
        if (ok) return true;
      }
    }
  }
  return IsOldBool(s) || IsBase60Float(s);
}

bool YamlKeyLess(std::string_view a, std::string_view b) {
  // Walks both keys rune by rune without copying them (keys may be secret too).
  size_t ia = 0, ib = 0;
  bool digits = false;
  bool nonzero_in_run = false;  // a nonzero digit in the run of digits just before i
  while (ia < a.size() && ib < b.size()) {
    auto [ra, wa] = DecodeRune(a.substr(ia));
    auto [rb, wb] = DecodeRune(b.substr(ib));
    if (ra == rb) {
      digits = IsDigit(ra);
      nonzero_in_run = digits && (nonzero_in_run || ra != '0');
      ia += wa;
      ib += wb;
      continue;
    }
    bool al = IsLetter(ra), bl = IsLetter(rb);
    if (al && bl) return ra < rb;
    if (al || bl) return digits ? al : bl;
    uint64_t an = 0, bn = 0;
    if ((ra == '0' || rb == '0') && nonzero_in_run) an = bn = 1;
    size_t alen = 0, blen = 0;
    for (size_t k = ia; k < a.size();) {
      auto [r, w] = DecodeRune(a.substr(k));
      if (!IsDigit(r)) break;
      an = an * 10 + (r - '0');
      ++alen;
      k += w;
    }
    for (size_t k = ib; k < b.size();) {
      auto [r, w] = DecodeRune(b.substr(k));
      if (!IsDigit(r)) break;
      bn = bn * 10 + (r - '0');
      ++blen;
      k += w;
    }
    if (an != bn) return static_cast<int64_t>(an) < static_cast<int64_t>(bn);
    if (alen != blen) return alen < blen;
    return ra < rb;
  }
  return ia >= a.size() && ib < b.size();  // the shorter of two equal prefixes comes first
}

}  // namespace vsecm::transform
