// The strict JSON reader of secure_json.hpp. Nothing here copies string contents anywhere but
// into the destination the caller asked for, and no message quotes the text being read.
#include <algorithm>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::kernel {
namespace {

bool IsSpace(int c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(int c) { return c >= '0' && c <= '9'; }

int HexValue(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Writes `cp` as UTF-8 at `dest` (when not null); returns the number of bytes.
size_t PutCodePoint(uint32_t cp, uint8_t* dest) {
  uint8_t b[4];
  size_t n;
  if (cp < 0x80) {
    b[0] = static_cast<uint8_t>(cp);
    n = 1;
  } else if (cp < 0x800) {
    b[0] = static_cast<uint8_t>(0xC0 | (cp >> 6));
    b[1] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    b[0] = static_cast<uint8_t>(0xE0 | (cp >> 12));
    b[1] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    b[2] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    b[0] = static_cast<uint8_t>(0xF0 | (cp >> 18));
    b[1] = static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F));
    b[2] = static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F));
    b[3] = static_cast<uint8_t>(0x80 | (cp & 0x3F));
    n = 4;
  }
  if (dest != nullptr) std::memcpy(dest, b, n);
  Wipe(b, sizeof(b));
  return n;
}

const char* TypeName(int c) {
  switch (c) {
    case '{': return "an object";
    case '[': return "an array";
    case '"': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    case -1: return "the end of the text";
    default: return IsDigit(c) || c == '-' ? "a number" : "an unexpected character";
  }
}

}  // namespace

void SecureJsonReader::SkipSpace() noexcept {
  while (pos_ < text_.size() && IsSpace(text_[pos_])) ++pos_;
}

Status SecureJsonReader::Error(std::string_view context, std::string_view problem,
                               size_t at) const {
  return InvalidArgument(fmt::format("{}: {} at offset {}", context, problem, at));
}

Status SecureJsonReader::TypeError(std::string_view context, std::string_view wanted) const {
  return Error(context, fmt::format("expected {}, found {}", wanted, TypeName(Peek())), pos_);
}

Status SecureJsonReader::Enter(std::string_view context) {
  if (depth_ >= kMaxDepth) {
    return Error(context, fmt::format("nesting deeper than {} levels", kMaxDepth), pos_);
  }
  ++depth_;
  return Status::Ok();
}

Status SecureJsonReader::ScanString(std::string_view context, uint8_t* dest, size_t* size) {
  SkipSpace();
  if (Peek() != '"') return TypeError(context, "a string");
  const size_t start = pos_;
  ++pos_;
  size_t n = 0;
  while (true) {
    if (pos_ >= text_.size()) return Error(context, "unterminated string", start);
    const uint8_t c = text_[pos_];
    if (c == '"') {
      ++pos_;
      break;
    }
    if (c < 0x20) return Error(context, "unescaped control character in a string", pos_);
    if (c == '\\') {
      const size_t esc_at = pos_;
      if (pos_ + 1 >= text_.size()) return Error(context, "unterminated string", start);
      const uint8_t e = text_[pos_ + 1];
      pos_ += 2;
      uint8_t simple = 0;
      switch (e) {
        case '"': simple = '"'; break;
        case '\\': simple = '\\'; break;
        case '/': simple = '/'; break;
        case 'b': simple = '\b'; break;
        case 'f': simple = '\f'; break;
        case 'n': simple = '\n'; break;
        case 'r': simple = '\r'; break;
        case 't': simple = '\t'; break;
        case 'u': break;
        default: return Error(context, "invalid escape sequence", esc_at);
      }
      if (e != 'u') {
        if (dest != nullptr) dest[n] = simple;
        ++n;
        continue;
      }
      auto read_hex4 = [&](uint32_t* out) {
        if (pos_ + 4 > text_.size()) return false;
        uint32_t v = 0;
        for (size_t i = 0; i < 4; ++i) {
          const int h = HexValue(text_[pos_ + i]);
          if (h < 0) return false;
          v = (v << 4) | static_cast<uint32_t>(h);
        }
        pos_ += 4;
        *out = v;
        return true;
      };
      uint32_t cp = 0;
      if (!read_hex4(&cp)) return Error(context, "invalid \\u escape", esc_at);
      if (cp >= 0xDC00 && cp <= 0xDFFF) return Error(context, "lone low surrogate", esc_at);
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t low = 0;
        if (pos_ + 2 > text_.size() || text_[pos_] != '\\' || text_[pos_ + 1] != 'u') {
          return Error(context, "lone high surrogate", esc_at);
        }
        pos_ += 2;
        if (!read_hex4(&low)) return Error(context, "invalid \\u escape", pos_ - 2);
        if (low < 0xDC00 || low > 0xDFFF) return Error(context, "lone high surrogate", esc_at);
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        low = 0;
      }
      n += PutCodePoint(cp, dest == nullptr ? nullptr : dest + n);
      cp = 0;
      continue;
    }
    // A run of plain bytes: validate UTF-8 and copy it at once.
    size_t end = pos_;
    while (end < text_.size()) {
      const uint8_t b = text_[end];
      if (b == '"' || b == '\\' || b < 0x20) break;
      if (b < 0x80) {
        ++end;
        continue;
      }
      const size_t len = Utf8SequenceLength(text_.subspan(end));
      if (len == 0) return Error(context, "invalid UTF-8 in a string", end);
      end += len;
    }
    if (dest != nullptr) std::memcpy(dest + n, text_.data() + pos_, end - pos_);
    n += end - pos_;
    pos_ = end;
  }
  *size = n;
  return Status::Ok();
}

StatusOr<std::string> SecureJsonReader::ReadText(std::string_view context) {
  const size_t start = pos_;
  size_t size = 0;
  VSECM_RETURN_IF_ERROR(ScanString(context, nullptr, &size));
  std::string out(size, '\0');
  pos_ = start;
  VSECM_RETURN_IF_ERROR(ScanString(context, reinterpret_cast<uint8_t*>(out.data()), &size));
  return out;
}

StatusOr<SecretBytes> SecureJsonReader::ReadSecret(std::string_view context) {
  const size_t start = pos_;
  size_t size = 0;
  VSECM_RETURN_IF_ERROR(ScanString(context, nullptr, &size));
  SecretBytes out(size);
  pos_ = start;
  VSECM_RETURN_IF_ERROR(ScanString(context, out.Mutable().data(), &size));
  return out;
}

Status SecureJsonReader::SkipNumber(std::string_view context) {
  const size_t start = pos_;
  if (Peek() == '-') ++pos_;
  if (Peek() == '0') {
    ++pos_;
  } else if (IsDigit(Peek())) {
    while (IsDigit(Peek())) ++pos_;
  } else {
    return Error(context, "invalid number", start);
  }
  if (Peek() == '.') {
    ++pos_;
    if (!IsDigit(Peek())) return Error(context, "invalid number", start);
    while (IsDigit(Peek())) ++pos_;
  }
  if (Peek() == 'e' || Peek() == 'E') {
    ++pos_;
    if (Peek() == '+' || Peek() == '-') ++pos_;
    if (!IsDigit(Peek())) return Error(context, "invalid number", start);
    while (IsDigit(Peek())) ++pos_;
  }
  return Status::Ok();
}

StatusOr<int64_t> SecureJsonReader::ReadInteger(std::string_view context) {
  SkipSpace();
  const int c = Peek();
  if (!IsDigit(c) && c != '-') return TypeError(context, "an integer");
  const size_t start = pos_;
  VSECM_RETURN_IF_ERROR(SkipNumber(context));
  std::string_view digits(reinterpret_cast<const char*>(text_.data()) + start, pos_ - start);
  const bool negative = digits.front() == '-';
  if (negative) digits.remove_prefix(1);
  if (digits.find_first_not_of("0123456789") != std::string_view::npos) {
    return Error(context, "expected an integer, found a fraction or exponent", start);
  }
  if (digits.size() > 18) return Error(context, "integer out of range", start);
  int64_t v = 0;
  for (char d : digits) v = v * 10 + (d - '0');
  return negative ? -v : v;
}

StatusOr<bool> SecureJsonReader::ReadBool(std::string_view context) {
  SkipSpace();
  std::string_view rest(reinterpret_cast<const char*>(text_.data()) + pos_, text_.size() - pos_);
  if (rest.substr(0, 4) == "true") {
    pos_ += 4;
    return true;
  }
  if (rest.substr(0, 5) == "false") {
    pos_ += 5;
    return false;
  }
  return TypeError(context, "a boolean");
}

bool SecureJsonReader::ReadNull() {
  SkipSpace();
  std::string_view rest(reinterpret_cast<const char*>(text_.data()) + pos_, text_.size() - pos_);
  if (rest.substr(0, 4) != "null") return false;
  pos_ += 4;
  return true;
}

Status SecureJsonReader::SkipValue(std::string_view context, int depth) {
  SkipSpace();
  const int c = Peek();
  if (c == '"') {
    size_t ignored = 0;
    return ScanString(context, nullptr, &ignored);
  }
  if (c == '{' || c == '[') {
    if (depth >= kMaxDepth) {
      return Error(context, fmt::format("nesting deeper than {} levels", kMaxDepth), pos_);
    }
    const char close = c == '{' ? '}' : ']';
    ++pos_;
    SkipSpace();
    if (Peek() == close) {
      ++pos_;
      return Status::Ok();
    }
    while (true) {
      if (c == '{') {
        size_t ignored = 0;
        VSECM_RETURN_IF_ERROR(ScanString(context, nullptr, &ignored));
        SkipSpace();
        if (Peek() != ':') return Error(context, "expected ':' after an object key", pos_);
        ++pos_;
      }
      VSECM_RETURN_IF_ERROR(SkipValue(context, depth + 1));
      SkipSpace();
      if (Peek() == close) {
        ++pos_;
        return Status::Ok();
      }
      if (Peek() != ',') {
        return Error(context, fmt::format("expected ',' or '{}'", close), pos_);
      }
      ++pos_;
      SkipSpace();
    }
  }
  if (IsDigit(c) || c == '-') return SkipNumber(context);
  for (std::string_view literal : {"true", "false", "null"}) {
    if (text_.size() - pos_ >= literal.size() &&
        std::memcmp(text_.data() + pos_, literal.data(), literal.size()) == 0) {
      pos_ += literal.size();
      return Status::Ok();
    }
  }
  return Error(context, c == -1 ? "unexpected end of text" : "expected a value", pos_);
}

Status SecureJsonReader::Validate() const {
  SecureJsonReader scan(text_);
  VSECM_RETURN_IF_ERROR(scan.SkipValue("json", 0));
  return scan.ExpectEnd("json");
}

Status SecureJsonReader::ExpectEnd(std::string_view context) {
  SkipSpace();
  if (pos_ != text_.size()) return Error(context, "unexpected text after the end", pos_);
  return Status::Ok();
}

Status SecureJsonReader::ReadObject(std::string_view context,
                                    const std::function<Status(std::string_view key)>& on_member) {
  SkipSpace();
  if (Peek() != '{') return TypeError(context, "an object");
  VSECM_RETURN_IF_ERROR(Enter(context));
  ++pos_;
  std::vector<std::string> seen;
  SkipSpace();
  if (Peek() == '}') {
    ++pos_;
    --depth_;
    return Status::Ok();
  }
  while (true) {
    const size_t key_at = pos_;
    VSECM_ASSIGN_OR_RETURN(std::string key, ReadText(context));
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
      return Error(context, "duplicate key", key_at);
    }
    SkipSpace();
    if (Peek() != ':') return Error(context, "expected ':' after an object key", pos_);
    ++pos_;
    SkipSpace();
    VSECM_RETURN_IF_ERROR(on_member(key));
    seen.push_back(std::move(key));
    SkipSpace();
    if (Peek() == '}') {
      ++pos_;
      --depth_;
      return Status::Ok();
    }
    if (Peek() != ',') return Error(context, "expected ',' or '}'", pos_);
    ++pos_;
  }
}

Status SecureJsonReader::ReadArray(std::string_view context,
                                   const std::function<Status(size_t index)>& on_element) {
  SkipSpace();
  if (Peek() != '[') return TypeError(context, "an array");
  VSECM_RETURN_IF_ERROR(Enter(context));
  ++pos_;
  SkipSpace();
  if (Peek() == ']') {
    ++pos_;
    --depth_;
    return Status::Ok();
  }
  for (size_t index = 0;; ++index) {
    SkipSpace();
    VSECM_RETURN_IF_ERROR(on_element(index));
    SkipSpace();
    if (Peek() == ']') {
      ++pos_;
      --depth_;
      return Status::Ok();
    }
    if (Peek() != ',') return Error(context, "expected ',' or ']'", pos_);
    ++pos_;
  }
}

}  // namespace vsecm::kernel
