// fmt/format.go: padding, and the formatting of one operand of a known type.
#include <algorithm>
#include <string>

#include "printer.hpp"
#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/go_strconv.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform::fmt_internal {

void Printer::Check() {
  if (out_.size() > max_) Fail();
}

[[noreturn]] void Printer::Fail() {
  throw StatusError(ResourceExhausted("a printed value would exceed max_output_bytes (" +
                                      std::to_string(max_) + ")"));
}

void Printer::WritePadding(int n) {
  if (n <= 0) return;
  if (out_.size() > max_ || static_cast<size_t>(n) > max_ - out_.size()) Fail();
  out_.append(static_cast<size_t>(n), f_.zero ? '0' : ' ');
}

void Printer::Pad(std::string_view s) {
  if (!f_.wid_present || f_.wid == 0) {
    out_.append(s);
    return;
  }
  int width = f_.wid - static_cast<int>(RuneCount(s));
  if (!f_.minus) {
    WritePadding(width);
    out_.append(s);
  } else {
    out_.append(s);
    WritePadding(width);
  }
}

SecretStringPtr Printer::Scratch() { return NewSecretString(out_.get_allocator().resource()); }

std::string_view Printer::Truncate(std::string_view s) {
  if (f_.prec_present) {
    int n = f_.prec;
    for (size_t i = 0; i < s.size();) {
      if (--n < 0) return s.substr(0, i);
      i += DecodeRune(s.substr(i)).second;
    }
  }
  return s;
}

void Printer::FmtBoolean(bool b) {
  Pad(b ? "true" : "false");
}

void Printer::FmtInteger(uint64_t u, int base, bool is_signed, char32_t verb, const char* digits) {
  bool negative = is_signed && static_cast<int64_t>(u) < 0;
  if (negative) u = 0 - u;
  int prec = 0;
  if (f_.prec_present) {
    prec = f_.prec;
    if (prec == 0 && u == 0) {
      bool old = f_.zero;
      f_.zero = false;
      WritePadding(f_.wid);
      f_.zero = old;
      return;
    }
  } else if (f_.zero && f_.wid_present) {
    prec = f_.wid;
    if (negative || f_.plus || f_.space) --prec;
  }
  SecretStringPtr buf_owner = Scratch();
  SecretString& buf = *buf_owner;
  while (u >= static_cast<uint64_t>(base)) {
    buf.push_back(digits[u % static_cast<uint64_t>(base)]);
    u /= static_cast<uint64_t>(base);
  }
  buf.push_back(digits[u]);
  while (static_cast<int>(buf.size()) < prec) buf.push_back('0');
  if (f_.sharp) {
    if (base == 2) buf.append("b0");
    if (base == 8 && buf.back() != '0') buf.push_back('0');
    if (base == 16) buf.push_back(digits[16]), buf.push_back('0');
  }
  if (verb == 'O') buf.append("o0");
  if (negative) buf.push_back('-');
  else if (f_.plus) buf.push_back('+');
  else if (f_.space) buf.push_back(' ');
  std::string_view rev(buf);
  SecretStringPtr text_owner = Scratch();
  SecretString& text = *text_owner;
  text.assign(rev.rbegin(), rev.rend());
  bool old = f_.zero;
  f_.zero = false;
  Pad(text);
  f_.zero = old;
}

void Printer::FmtUnicode(uint64_t u) {
  SecretStringPtr text_owner = Scratch();
  SecretString& text = *text_owner;
  char hex[24];
  int n = 0;
  uint64_t x = u;
  do {
    hex[n++] = kUpperDigits[x & 0xF];
    x >>= 4;
  } while (x != 0);
  int prec = f_.prec_present && f_.prec > 4 ? f_.prec : 4;
  text.append("U+");
  for (int k = n; k < prec; ++k) text.push_back('0');
  while (n > 0) text.push_back(hex[--n]);
  if (f_.sharp && u <= kMaxRune && IsPrint(static_cast<char32_t>(u))) {
    text.append(" '");
    AppendRune(text, static_cast<char32_t>(u));
    text.push_back('\'');
  }
  bool old = f_.zero;
  f_.zero = false;
  Pad(text);
  f_.zero = old;
}

void Printer::FmtC(uint64_t c) {
  SecretStringPtr text_owner = Scratch();
  SecretString& text = *text_owner;
  AppendRune(text, c > kMaxRune ? kRuneError : static_cast<char32_t>(c));
  Pad(text);
}

void Printer::FmtQc(uint64_t c) {
  SecretStringPtr text_owner = Scratch();
  SecretString& text = *text_owner;
  AppendQuotedRune(text, c > kMaxRune ? kRuneError : static_cast<char32_t>(c), f_.plus);
  Pad(text);
}

void Printer::FmtFloat(double v, char verb, int prec) {
  if (f_.prec_present) prec = f_.prec;
  SecretStringPtr num_owner = Scratch();
  SecretString& num = *num_owner;
  AppendFloat(num, v, verb, prec);
  if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
  if (f_.space && num[0] == '+' && !f_.plus) num[0] = ' ';
  if (num[1] == 'I' || num[1] == 'N') {
    bool old = f_.zero;
    f_.zero = false;
    if (num[1] == 'N' && !f_.space && !f_.plus) num.erase(0, 1);
    Pad(num);
    f_.zero = old;
    return;
  }
  if (f_.sharp && verb != 'b') {
    int digits = 0;
    if (verb == 'v' || verb == 'g' || verb == 'G' || verb == 'x') digits = prec < 0 ? 6 : prec;
    SecretStringPtr tail_owner = Scratch();
    SecretString& tail = *tail_owner;
    bool has_point = false, saw_nonzero = false;
    for (size_t k = 1; k < num.size(); ++k) {
      char c = num[k];
      if (c == '.') {
        has_point = true;
      } else if (c == 'p' || c == 'P' || ((c == 'e' || c == 'E') && verb != 'x' && verb != 'X')) {
        tail.assign(num.substr(k));
        num.resize(k);
        break;
      } else {
        if (c != '0') saw_nonzero = true;
        if (saw_nonzero) --digits;
      }
    }
    if (!has_point) {
      if (num.size() == 2 && num[1] == '0') --digits;
      num.push_back('.');
    }
    while (digits-- > 0) num.push_back('0');
    num.append(tail);
  }
  if (f_.plus || num[0] != '+') {
    if (f_.zero && !f_.minus && f_.wid_present && f_.wid > static_cast<int>(num.size())) {
      out_.push_back(num[0]);
      WritePadding(f_.wid - static_cast<int>(num.size()));
      out_.append(std::string_view(num).substr(1));
      return;
    }
    Pad(num);
    return;
  }
  Pad(std::string_view(num).substr(1));
}

void Printer::FmtS(std::string_view s) {
  Pad(Truncate(s));
}

void Printer::FmtSbx(std::string_view s, const char* digits) {
  size_t length = s.size();
  if (f_.prec_present && static_cast<size_t>(f_.prec) < length) length = static_cast<size_t>(f_.prec);
  size_t width = 2 * length;
  if (width > 0) {
    if (f_.space) {
      if (f_.sharp) width *= 2;
      width += length - 1;
    } else if (f_.sharp) {
      width += 2;
    }
  } else {
    if (f_.wid_present) WritePadding(f_.wid);
    return;
  }
  if (f_.wid_present && f_.wid > static_cast<int>(width) && !f_.minus) {
    WritePadding(f_.wid - static_cast<int>(width));
  }
  if (f_.sharp) out_.push_back('0'), out_.push_back(digits[16]);
  for (size_t k = 0; k < length; ++k) {
    if (f_.space && k > 0) {
      out_.push_back(' ');
      if (f_.sharp) out_.push_back('0'), out_.push_back(digits[16]);
    }
    unsigned char c = static_cast<unsigned char>(s[k]);
    out_.push_back(digits[c >> 4]);
    out_.push_back(digits[c & 0xF]);
  }
  if (f_.wid_present && f_.wid > static_cast<int>(width) && f_.minus) {
    WritePadding(f_.wid - static_cast<int>(width));
  }
}

void Printer::FmtQ(std::string_view s) {
  s = Truncate(s);
  SecretStringPtr q_owner = Scratch();
  SecretString& q = *q_owner;
  if (f_.sharp && CanBackquote(s)) {
    q.push_back('`');
    q.append(s);
    q.push_back('`');
  } else {
    AppendQuoted(q, s, '"', f_.plus);
  }
  Pad(q);
}

}  // namespace vsecm::transform::fmt_internal
