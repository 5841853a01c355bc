// fmt/print.go: verb dispatch for each kind of value, maps and slices, and the Sprint,
// Sprintln and Sprintf loops.
#include "vsecm/transform/printf.hpp"

#include <algorithm>
#include <string>

#include "printer.hpp"
#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/go_strconv.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {
namespace fmt_internal {

void Printer::DoPrint(std::span<const Value> args, bool line) {
  bool prev_string = false;
  for (size_t n = 0; n < args.size(); ++n) {
    bool is_string = args[n].kind == Kind::kString;
    if (n > 0 && (line || (!is_string && !prev_string))) out_.push_back(' ');
    PrintArg(args[n], 'v');
    prev_string = is_string;
    Check();
  }
  if (line) out_.push_back('\n');
  Check();
}

void Printer::BadVerb(char32_t verb, const Value* arg) {
  out_.append("%!");
  AppendRune(out_, verb);
  out_.push_back('(');
  if (arg != nullptr && !arg->IsNil()) {
    out_.append(DynamicTypeName(*arg));
    out_.push_back('=');
    PrintArg(*arg, 'v');
  } else {
    out_.append("<nil>");
  }
  out_.push_back(')');
}

void Printer::FmtIntegerVerb(uint64_t v, bool is_signed, char32_t verb, const Value& arg) {
  switch (verb) {
    case 'v':
      if (f_.sharp_v && !is_signed) {
        bool old = f_.sharp;
        f_.sharp = true;
        FmtInteger(v, 16, false, 'v', kLowerDigits);
        f_.sharp = old;
      } else {
        FmtInteger(v, 10, is_signed, verb, kLowerDigits);
      }
      return;
    case 'd': FmtInteger(v, 10, is_signed, verb, kLowerDigits); return;
    case 'b': FmtInteger(v, 2, is_signed, verb, kLowerDigits); return;
    case 'o': case 'O': FmtInteger(v, 8, is_signed, verb, kLowerDigits); return;
    case 'x': FmtInteger(v, 16, is_signed, verb, kLowerDigits); return;
    case 'X': FmtInteger(v, 16, is_signed, verb, kUpperDigits); return;
    case 'c': FmtC(v); return;
    case 'q': FmtQc(v); return;
    case 'U': FmtUnicode(v); return;
    default: BadVerb(verb, &arg);
  }
}

void Printer::FmtFloatVerb(double v, char32_t verb, const Value& arg) {
  switch (verb) {
    case 'v': FmtFloat(v, 'g', -1); return;
    case 'b': case 'g': case 'G': case 'x': case 'X': FmtFloat(v, static_cast<char>(verb), -1); return;
    case 'f': case 'e': case 'E': FmtFloat(v, static_cast<char>(verb), 6); return;
    case 'F': FmtFloat(v, 'f', 6); return;
    default: BadVerb(verb, &arg);
  }
}

void Printer::FmtString(std::string_view s, char32_t verb, const Value& arg) {
  switch (verb) {
    case 'v':
      if (f_.sharp_v) {
        FmtQ(s);
      } else {
        FmtS(s);
      }
      return;
    case 's': FmtS(s); return;
    case 'x': FmtSbx(s, kLowerDigits); return;
    case 'X': FmtSbx(s, kUpperDigits); return;
    case 'q': FmtQ(s); return;
    default: BadVerb(verb, &arg);
  }
}

void Printer::PrintArg(const Value& arg, char32_t verb) {
  if (arg.IsNil()) {
    if (verb == 'T' || verb == 'v') {
      Pad("<nil>");
    } else {
      BadVerb(verb, nullptr);
    }
    return;
  }
  if (verb == 'T') {
    FmtS(DynamicTypeName(arg));
    return;
  }
  if (verb == 'p') {  // an address would differ between runs
    BadVerb(verb, &arg);
    return;
  }
  PrintValue(arg, verb, 0);
}

void Printer::PrintValue(const Value& v, char32_t verb, int depth) {
  Check();
  switch (v.kind) {
    case Kind::kInvalid:
    case Kind::kNilInterface:
      if (depth == 0 && v.kind == Kind::kInvalid) {
        out_.append("<invalid reflect.Value>");
      } else if (f_.sharp_v) {
        out_.append("interface {}(nil)");
      } else {
        out_.append("<nil>");
      }
      return;
    case Kind::kBool:
      if (verb == 't' || verb == 'v') {
        FmtBoolean(v.b);
      } else {
        BadVerb(verb, &v);
      }
      return;
    case Kind::kInt: FmtIntegerVerb(static_cast<uint64_t>(v.i), true, verb, v); return;
    case Kind::kUint8: FmtIntegerVerb(static_cast<uint64_t>(v.i), false, verb, v); return;
    case Kind::kFloat: FmtFloatVerb(v.f, verb, v); return;
    case Kind::kString: FmtString(v.s, verb, v); return;
    case Kind::kMap: {
      out_.append(f_.sharp_v ? "map[string]interface {}{" : "map[");
      bool first = true;
      for (const JsonMember& m : v.json->object) {
        if (!first) out_.append(f_.sharp_v ? ", " : " ");
        first = false;
        PrintValue(StringValue(m.key), verb, depth + 1);
        out_.push_back(':');
        PrintValue(FromJson(m.value, true), verb, depth + 1);
      }
      out_.push_back(f_.sharp_v ? '}' : ']');
      return;
    }
    case Kind::kSlice: {
      out_.append(f_.sharp_v ? "[]interface {}{" : "[");
      bool first = true;
      for (size_t k = 0; k < v.Len(); ++k) {
        if (!first) out_.append(f_.sharp_v ? ", " : " ");
        first = false;
        PrintValue(FromJson(v.At(k), true), verb, depth + 1);
      }
      out_.push_back(f_.sharp_v ? '}' : ']');
      return;
    }
  }
}

bool TooLarge(int64_t x) { return x > 1000000 || x < -1000000; }

// fmt's parsenum: a decimal number in s[start:end).
bool ParseNum(std::string_view s, size_t start, size_t end, int& num, size_t& next) {
  num = 0;
  bool is_num = false;
  next = start;
  for (; next < end && s[next] >= '0' && s[next] <= '9'; ++next) {
    if (TooLarge(num)) {
      next = end;
      num = 0;
      return false;
    }
    num = num * 10 + (s[next] - '0');
    is_num = true;
  }
  return is_num;
}

// fmt's intFromArg for "*" widths and precisions.
bool IntFromArg(std::span<const Value> a, size_t& arg_num, int& num) {
  num = 0;
  bool is_int = false;
  if (arg_num < a.size()) {
    const Value& v = a[arg_num];
    if (v.kind == Kind::kInt || v.kind == Kind::kUint8) {
      num = static_cast<int>(std::clamp<int64_t>(v.i, -2000000, 2000000));
      is_int = true;
    }
    ++arg_num;
    if (TooLarge(num)) {
      num = 0;
      is_int = false;
    }
  }
  return is_int;
}

}  // namespace fmt_internal

using fmt_internal::IntFromArg;
using fmt_internal::ParseNum;
using fmt_internal::Printer;

void Sprint(SecretString& out, std::span<const Value> args, size_t max_bytes) {
  Printer(out, max_bytes).DoPrint(args, false);
}

void Sprintln(SecretString& out, std::span<const Value> args, size_t max_bytes) {
  Printer(out, max_bytes).DoPrint(args, true);
}

void Sprintf(SecretString& out, std::string_view format, std::span<const Value> a, size_t max_bytes) {
  Printer p(out, max_bytes);
  const size_t end = format.size();
  size_t arg_num = 0;
  bool after_index = false;
  bool reordered = false;
  bool good_arg_num = true;
  // fmt's argNumber: an explicit "[n]" argument index at format[i].
  auto arg_number = [&](size_t i, bool& found) -> size_t {
    found = false;
    if (i >= end || format[i] != '[') return i;
    reordered = true;
    std::string_view rest = format.substr(i);
    size_t width = 1;
    bool ok = false;
    int index = 0;
    if (rest.size() >= 3) {
      for (size_t k = 1; k < rest.size(); ++k) {
        if (rest[k] == ']') {
          size_t ni;
          int n;
          bool is_num = ParseNum(rest, 1, k, n, ni);
          if (!is_num || ni != k) {
            width = k + 1;
          } else {
            index = n - 1;
            width = k + 1;
            ok = true;
          }
          break;
        }
      }
    }
    if (ok && index >= 0 && static_cast<size_t>(index) < a.size()) {
      arg_num = static_cast<size_t>(index);
      found = true;
      return i + width;
    }
    good_arg_num = false;
    found = ok;
    return i + width;
  };
  for (size_t i = 0; i < end;) {
    good_arg_num = true;
    size_t lasti = i;
    while (i < end && format[i] != '%') ++i;
    if (i > lasti) out.append(format.substr(lasti, i - lasti));
    p.Check();
    if (i >= end) break;
    ++i;
    p.f_ = fmt_internal::Flags{};
    bool simple_done = false;
    for (; i < end; ++i) {
      char c = format[i];
      if (c == '#') { p.f_.sharp = true; continue; }
      if (c == '0') { p.f_.zero = !p.f_.minus; continue; }
      if (c == '+') { p.f_.plus = true; continue; }
      if (c == '-') { p.f_.minus = true; p.f_.zero = false; continue; }
      if (c == ' ') { p.f_.space = true; continue; }
      if (c >= 'a' && c <= 'z' && arg_num < a.size()) {
        if (c == 'v') {
          p.f_.sharp_v = p.f_.sharp;
          p.f_.sharp = false;
          p.f_.plus_v = p.f_.plus;
          p.f_.plus = false;
        }
        p.PrintArg(a[arg_num], static_cast<char32_t>(c));
        ++arg_num;
        ++i;
        simple_done = true;
      }
      break;
    }
    if (simple_done) continue;

    i = arg_number(i, after_index);
    if (i < end && format[i] == '*') {
      ++i;
      p.f_.wid_present = IntFromArg(a, arg_num, p.f_.wid);
      if (!p.f_.wid_present) out.append("%!(BADWIDTH)");
      if (p.f_.wid < 0) {
        p.f_.wid = -p.f_.wid;
        p.f_.minus = true;
        p.f_.zero = false;
      }
      after_index = false;
    } else {
      p.f_.wid_present = ParseNum(format, i, end, p.f_.wid, i);
      if (after_index && p.f_.wid_present) good_arg_num = false;
    }
    if (i + 1 < end && format[i] == '.') {
      ++i;
      if (after_index) good_arg_num = false;
      i = arg_number(i, after_index);
      if (i < end && format[i] == '*') {
        ++i;
        p.f_.prec_present = IntFromArg(a, arg_num, p.f_.prec);
        if (p.f_.prec < 0) {
          p.f_.prec = 0;
          p.f_.prec_present = false;
        }
        if (!p.f_.prec_present) out.append("%!(BADPREC)");
        after_index = false;
      } else {
        p.f_.prec_present = ParseNum(format, i, end, p.f_.prec, i);
        if (!p.f_.prec_present) {
          p.f_.prec = 0;
          p.f_.prec_present = true;
        }
      }
    }
    if (!after_index) i = arg_number(i, after_index);
    if (i >= end) {
      out.append("%!(NOVERB)");
      break;
    }
    auto [verb, size] = DecodeRune(format.substr(i));
    i += size;
    if (verb == '%') {
      out.push_back('%');
    } else if (!good_arg_num) {
      out.append("%!");
      AppendRune(out, verb);
      out.append("(BADINDEX)");
    } else if (arg_num >= a.size()) {
      out.append("%!");
      AppendRune(out, verb);
      out.append("(MISSING)");
    } else {
      if (verb == 'v') {
        p.f_.sharp_v = p.f_.sharp;
        p.f_.sharp = false;
        p.f_.plus_v = p.f_.plus;
        p.f_.plus = false;
      }
      p.PrintArg(a[arg_num], verb);
      ++arg_num;
    }
    p.Check();
  }
  if (!reordered && arg_num < a.size()) {
    p.f_ = fmt_internal::Flags{};
    out.append("%!(EXTRA ");
    for (size_t k = arg_num; k < a.size(); ++k) {
      if (k > arg_num) out.append(", ");
      if (a[k].IsNil()) {
        out.append("<nil>");
      } else {
        out.append(DynamicTypeName(a[k]));
        out.push_back('=');
        p.PrintArg(a[k], 'v');
      }
      p.Check();
    }
    out.push_back(')');
  }
  p.Check();
}

}  // namespace vsecm::transform
