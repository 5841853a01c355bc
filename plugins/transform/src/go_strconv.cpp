#include "vsecm/transform/go_strconv.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {
namespace {

constexpr char kLowerHex[] = "0123456789abcdef";
constexpr char kUpperHex[] = "0123456789ABCDEF";

// A decimal digit string d[0..nd) with the decimal point before d[dp], as in strconv.
struct Digits {
  std::array<char, 800> d{};
  int nd = 0;
  int dp = 0;
  bool neg = false;
};

// Digits of |v| from std::to_chars in scientific notation: shortest when sig < 0, else `sig`
// significant digits, correctly rounded. Trailing zeros are trimmed, as strconv does.
void ToDigits(double v, int sig, Digits& out) {
  sig = std::min(sig, 767);  // a double has at most 767 significant decimal digits
  std::array<char, 800> buf{};
  auto res = sig < 0 ? std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::scientific)
                     : std::to_chars(buf.data(), buf.data() + buf.size(), v,
                                     std::chars_format::scientific, std::max(sig - 1, 0));
  std::string_view s(buf.data(), static_cast<size_t>(res.ptr - buf.data()));
  out.neg = std::signbit(v);
  if (!s.empty() && s[0] == '-') s.remove_prefix(1);
  size_t e = s.find('e');
  int exp = 0;
  std::from_chars(s.data() + e + 1 + (s[e + 1] == '+' ? 1 : 0), s.data() + s.size(), exp);
  out.nd = 0;
  for (size_t i = 0; i < e; ++i) {
    if (s[i] != '.') out.d[static_cast<size_t>(out.nd++)] = s[i];
  }
  while (out.nd > 0 && out.d[static_cast<size_t>(out.nd - 1)] == '0') --out.nd;
  out.dp = out.nd == 0 ? 0 : exp + 1;
  std::fill(buf.begin(), buf.end(), 0);
}

void FmtE(SecretString& out, const Digits& d, int prec, char fmt) {
  out.push_back(d.nd == 0 ? '0' : d.d[0]);
  if (prec > 0) {
    out.push_back('.');
    int i = 1;
    int m = std::min(d.nd, prec + 1);
    if (i < m) {
      out.append(d.d.data() + i, static_cast<size_t>(m - i));
      i = m;
    }
    for (; i <= prec; ++i) out.push_back('0');
  }
  out.push_back(fmt);
  int exp = d.nd == 0 ? 0 : d.dp - 1;
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  if (exp < 10) {
    out.push_back('0');
    out.push_back(static_cast<char>('0' + exp));
  } else if (exp < 100) {
    out.push_back(static_cast<char>('0' + exp / 10));
    out.push_back(static_cast<char>('0' + exp % 10));
  } else {
    out.push_back(static_cast<char>('0' + exp / 100));
    out.push_back(static_cast<char>('0' + exp / 10 % 10));
    out.push_back(static_cast<char>('0' + exp % 10));
  }
}

void FmtF(SecretString& out, const Digits& d, int prec) {
  if (d.dp > 0) {
    int m = std::min(d.nd, d.dp);
    out.append(d.d.data(), static_cast<size_t>(m));
    for (; m < d.dp; ++m) out.push_back('0');
  } else {
    out.push_back('0');
  }
  if (prec > 0) {
    out.push_back('.');
    for (int i = 1; i <= prec; ++i) {
      int j = d.dp + i - 1;
      out.push_back(j >= 0 && j < d.nd ? d.d[static_cast<size_t>(j)] : '0');
    }
  }
}

void FmtB(SecretString& out, double v) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  if (exp == 0) {
    ++exp;
  } else {
    mant |= uint64_t{1} << 52;
  }
  exp += -1023 - 52;
  if (bits >> 63) out.push_back('-');
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, mant);
  out.append(buf, r.ptr);
  out.push_back('p');
  if (exp >= 0) out.push_back('+');
  r = std::to_chars(buf, buf + sizeof buf, exp);
  out.append(buf, r.ptr);
}

// %x: -0x1.yyyyp±dd, as strconv's fmtX.
void FmtX(SecretString& out, double v, int prec, char fmt) {
  uint64_t bits = std::bit_cast<uint64_t>(v);
  bool neg = bits >> 63;
  uint64_t mant = bits & ((uint64_t{1} << 52) - 1);
  int exp = static_cast<int>((bits >> 52) & 0x7FF);
  if (exp == 0) {
    ++exp;
  } else {
    mant |= uint64_t{1} << 52;
  }
  exp -= 1023;
  if (mant == 0) exp = 0;
  mant <<= 60 - 52;
  while (mant != 0 && (mant & (uint64_t{1} << 60)) == 0) {
    mant <<= 1;
    --exp;
  }
  if (prec >= 0 && prec < 15) {
    unsigned shift = static_cast<unsigned>(prec * 4);
    uint64_t extra = (mant << shift) & ((uint64_t{1} << 60) - 1);
    mant >>= 60 - shift;
    if ((extra | (mant & 1)) > (uint64_t{1} << 59)) ++mant;
    mant <<= 60 - shift;
    if (mant & (uint64_t{1} << 61)) {
      mant >>= 1;
      ++exp;
    }
  }
  const char* hex = fmt == 'X' ? kUpperHex : kLowerHex;
  if (neg) out.push_back('-');
  out.push_back('0');
  out.push_back(fmt);
  out.push_back(static_cast<char>('0' + ((mant >> 60) & 1)));
  mant <<= 4;
  if (prec < 0 && mant != 0) {
    out.push_back('.');
    while (mant != 0) {
      out.push_back(hex[(mant >> 60) & 15]);
      mant <<= 4;
    }
  } else if (prec > 0) {
    out.push_back('.');
    for (int i = 0; i < prec; ++i) {
      out.push_back(hex[(mant >> 60) & 15]);
      mant <<= 4;
    }
  }
  out.push_back(fmt == 'X' ? 'P' : 'p');
  out.push_back(exp < 0 ? '-' : '+');
  if (exp < 0) exp = -exp;
  char buf[8];
  auto r = std::to_chars(buf, buf + sizeof buf, exp);
  if (exp < 10) out.push_back('0');
  out.append(buf, r.ptr);
}

}  // namespace

void AppendFloat(SecretString& out, double v, char fmt, int prec) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  switch (fmt) {
    case 'b': FmtB(out, v); return;
    case 'x': case 'X': FmtX(out, v, prec, fmt); return;
    default: break;
  }
  const bool shortest = prec < 0;
  Digits d;
  switch (fmt) {
    case 'e':
    case 'E':
      ToDigits(v, shortest ? -1 : prec + 1, d);
      if (d.neg) out.push_back('-');
      FmtE(out, d, shortest ? std::max(d.nd - 1, 0) : prec, fmt);
      return;
    case 'f': {
      if (shortest) {
        ToDigits(v, -1, d);
        if (d.neg) out.push_back('-');
        FmtF(out, d, std::max(d.nd - d.dp, 0));
        return;
      }
      // Fixed precision rounds at a decimal position, not a digit count: let to_chars do it.
      // A double has at most 1074 fractional digits; more precision only adds zeros.
      std::array<char, 1500> buf{};
      int exact = std::min(prec, 1074);
      auto r = std::to_chars(buf.data(), buf.data() + buf.size(), v, std::chars_format::fixed, exact);
      out.append(buf.data(), r.ptr);
      out.append(static_cast<size_t>(prec - exact), '0');
      std::fill(buf.begin(), buf.end(), 0);
      return;
    }
    default: {  // 'g', 'G'
      int p = prec;
      if (shortest) {
        ToDigits(v, -1, d);
        p = d.nd;
      } else {
        if (p == 0) p = 1;
        ToDigits(v, p, d);
      }
      if (d.neg) out.push_back('-');
      int eprec = p;
      if (eprec > d.nd && d.nd >= d.dp) eprec = d.nd;
      if (shortest) eprec = 6;
      int exp = d.dp - 1;
      if (exp < -4 || exp >= eprec) {
        if (p > d.nd) p = d.nd;
        FmtE(out, d, p - 1, fmt == 'G' ? 'E' : 'e');
        return;
      }
      if (p > d.dp) p = d.nd;
      FmtF(out, d, std::max(p - d.dp, 0));
      return;
    }
  }
}

namespace {

void AppendEscapedRune(SecretString& out, char32_t r, char quote, bool ascii_only) {
  if (r == static_cast<char32_t>(quote) || r == '\\') {
    out.push_back('\\');
    AppendRune(out, r);
    return;
  }
  if (ascii_only) {
    if (r < 0x80 && IsPrint(r)) {
      out.push_back(static_cast<char>(r));
      return;
    }
  } else if (IsPrint(r)) {
    AppendRune(out, r);
    return;
  }
  switch (r) {
    case '\a': out.append("\\a"); return;
    case '\b': out.append("\\b"); return;
    case '\f': out.append("\\f"); return;
    case '\n': out.append("\\n"); return;
    case '\r': out.append("\\r"); return;
    case '\t': out.append("\\t"); return;
    case '\v': out.append("\\v"); return;
    default: break;
  }
  if (r < ' ' || r == 0x7F) {
    out.append("\\x");
    out.push_back(kLowerHex[(r >> 4) & 0xF]);
    out.push_back(kLowerHex[r & 0xF]);
    return;
  }
  if (r > kMaxRune || (r >= 0xD800 && r < 0xE000)) r = kRuneError;
  if (r < 0x10000) {
    out.append("\\u");
    for (int s = 12; s >= 0; s -= 4) out.push_back(kLowerHex[(r >> s) & 0xF]);
  } else {
    out.append("\\U");
    for (int s = 28; s >= 0; s -= 4) out.push_back(kLowerHex[(r >> s) & 0xF]);
  }
}

}  // namespace

void AppendQuoted(SecretString& out, std::string_view s, char quote, bool ascii_only) {
  out.push_back(quote);
  for (size_t i = 0; i < s.size();) {
    auto [r, w] = DecodeRune(s.substr(i));
    if (w == 1 && r == kRuneError) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      out.append("\\x");
      out.push_back(kLowerHex[c >> 4]);
      out.push_back(kLowerHex[c & 0xF]);
      ++i;
      continue;
    }
    AppendEscapedRune(out, r, quote, ascii_only);
    i += w;
  }
  out.push_back(quote);
}

void AppendQuotedRune(SecretString& out, char32_t r, bool ascii_only) {
  if (r > kMaxRune || (r >= 0xD800 && r < 0xE000)) r = kRuneError;
  out.push_back('\'');
  AppendEscapedRune(out, r, '\'', ascii_only);
  out.push_back('\'');
}

bool CanBackquote(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto [r, w] = DecodeRune(s.substr(i));
    i += w;
    if (w > 1) {
      if (r == 0xFEFF) return false;
      continue;
    }
    if (r == kRuneError) return false;
    if ((r < ' ' && r != '\t') || r == '`' || r == 0x7F) return false;
  }
  return true;
}

}  // namespace vsecm::transform
