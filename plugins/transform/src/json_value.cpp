#include <algorithm>
#include <charconv>
#include <cmath>

#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {

JsonValue::JsonValue(allocator_type a) : string(a), array(a), object(a) {}

JsonValue::JsonValue(const JsonValue& o, allocator_type a)
    : type(o.type), boolean(o.boolean), number(o.number), string(o.string, a), array(o.array, a),
      object(o.object, a) {}

JsonValue::JsonValue(JsonValue&& o, allocator_type a)
    : type(o.type), boolean(o.boolean), number(o.number), string(std::move(o.string), a),
      array(std::move(o.array), a), object(std::move(o.object), a) {}

JsonValue::JsonValue(JsonValue&& o) noexcept
    : type(o.type), boolean(o.boolean), number(o.number), string(std::move(o.string)),
      array(std::move(o.array)), object(std::move(o.object)) {}

JsonValue::~JsonValue() {
  // The memory resource wipes blocks it returns; the scalars stored inline are wiped here.
  volatile double* n = &number;
  *n = 0;
  volatile bool* b = &boolean;
  *b = false;
}

const JsonValue* JsonValue::Find(std::string_view key) const {
  auto it = std::lower_bound(object.begin(), object.end(), key,
                             [](const JsonMember& m, std::string_view k) { return m.key < k; });
  if (it == object.end() || it->key != key) return nullptr;
  return &it->value;
}

size_t JsonValue::Length() const {
  switch (type) {
    case JsonType::kString: return string.size();
    case JsonType::kArray: return array.size();
    case JsonType::kObject: return object.size();
    default: return 0;
  }
}

void JsonDeleter::operator()(JsonValue* v) const {
  if (v == nullptr) return;
  std::pmr::polymorphic_allocator<JsonValue> a(mr);
  std::destroy_at(v);
  a.deallocate(v, 1);
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  JsonParseStatus Parse(JsonValue& out) {
    SkipSpace();
    if (!Value(out, 0)) return status_;
    SkipSpace();
    return i_ == s_.size() ? JsonParseStatus::kOk : JsonParseStatus::kSyntax;
  }

 private:
  bool Fail(JsonParseStatus s = JsonParseStatus::kSyntax) {
    status_ = s;
    return false;
  }
  void SkipSpace() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) {
      ++i_;
    }
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return Fail();
    i_ += word.size();
    return true;
  }

  bool Value(JsonValue& out, int depth) {
    if (i_ >= s_.size()) return Fail();
    switch (s_[i_]) {
      case '{': return Object(out, depth + 1);
      case '[': return Array(out, depth + 1);
      case '"': out.type = JsonType::kString; return String(out.string);
      case 't': out.type = JsonType::kBool; out.boolean = true; return Literal("true");
      case 'f': out.type = JsonType::kBool; out.boolean = false; return Literal("false");
      case 'n': out.type = JsonType::kNull; return Literal("null");
      default: out.type = JsonType::kNumber; return Number(out.number);
    }
  }

  bool Object(JsonValue& out, int depth) {
    if (depth > max_depth_) return Fail(JsonParseStatus::kTooDeep);
    out.type = JsonType::kObject;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return true;
    }
    for (;;) {
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != '"') return Fail();
      JsonMember& m = out.object.emplace_back();
      if (!String(m.key)) return false;
      SkipSpace();
      if (i_ >= s_.size() || s_[i_] != ':') return Fail();
      ++i_;
      SkipSpace();
      if (!Value(m.value, depth)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        break;
      }
      return Fail();
    }
    // Go decodes into a map: sorted iteration, and a repeated key keeps its last value. The
    // members are ordered through pointers and then moved (not copied) into place, so no
    // secret byte passes through a temporary buffer on the normal heap.
    auto& obj = out.object;
    std::pmr::vector<JsonMember*> order(obj.get_allocator());
    order.reserve(obj.size());
    for (JsonMember& m : obj) order.push_back(&m);
    std::stable_sort(order.begin(), order.end(),
                     [](const JsonMember* a, const JsonMember* b) { return a->key < b->key; });
    std::pmr::vector<JsonMember> sorted(obj.get_allocator());
    sorted.reserve(order.size());
    for (size_t k = 0; k < order.size(); ++k) {
      if (k + 1 < order.size() && order[k + 1]->key == order[k]->key) continue;
      sorted.push_back(std::move(*order[k]));
    }
    obj.swap(sorted);
    return true;
  }

  bool Array(JsonValue& out, int depth) {
    if (depth > max_depth_) return Fail(JsonParseStatus::kTooDeep);
    out.type = JsonType::kArray;
    ++i_;
    SkipSpace();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return true;
    }
    for (;;) {
      SkipSpace();
      JsonValue& v = out.array.emplace_back();
      if (!Value(v, depth)) return false;
      SkipSpace();
      if (i_ < s_.size() && s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return true;
      }
      return Fail();
    }
  }

  bool Number(double& out) {
    const size_t start = i_;
    auto digit = [&](size_t k) { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; };
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    if (!digit(i_)) return Fail();
    if (s_[i_] == '0') {
      ++i_;
    } else {
      while (digit(i_)) ++i_;
    }
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!digit(i_)) return Fail();
      while (digit(i_)) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digit(i_)) return Fail();
      while (digit(i_)) ++i_;
    }
    auto [ptr, ec] = std::from_chars(s_.data() + start, s_.data() + i_, out);
    if (ptr != s_.data() + i_) return Fail();
    if (ec == std::errc::result_out_of_range) {
      // Go refuses a number too large for a float64 but rounds a too small one to zero.
      if (!Underflows(s_.substr(start, i_ - start))) return Fail();
      out = s_[start] == '-' ? -0.0 : 0.0;
      return true;
    }
    return ec == std::errc() && !std::isinf(out) ? true : Fail();
  }

  // Whether a syntactically valid JSON number is below 1 in magnitude (so out of range means
  // underflow, not overflow).
  static bool Underflows(std::string_view n) {
    long long point = 0, first = -1, pos = 0;
    size_t k = n[0] == '-' ? 1 : 0;
    for (; k < n.size() && n[k] != 'e' && n[k] != 'E'; ++k) {
      if (n[k] == '.') {
        point = pos;
        continue;
      }
      if (first < 0 && n[k] != '0') first = pos;
      ++pos;
    }
    if (n.find('.') == std::string_view::npos) point = pos;
    if (first < 0) return true;  // zero
    long long exp = 0;
    if (k < n.size()) {
      ++k;
      bool neg = k < n.size() && n[k] == '-';
      if (k < n.size() && (n[k] == '-' || n[k] == '+')) ++k;
      for (; k < n.size(); ++k) exp = std::min<long long>(exp * 10 + (n[k] - '0'), 100000000);
      if (neg) exp = -exp;
    }
    return point - first + exp <= 0;
  }

  static int Hex4(std::string_view s, size_t at) {
    if (at + 4 > s.size()) return -1;
    int v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      char c = s[k];
      int d = c >= '0' && c <= '9' ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  bool String(std::pmr::string& out) {
    ++i_;  // opening quote
    for (;;) {
      if (i_ >= s_.size()) return Fail();
      unsigned char c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c < 0x20) return Fail();
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return Fail();
        char e = s_[i_ + 1];
        i_ += 2;
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            int r = Hex4(s_, i_);
            if (r < 0) return Fail();
            i_ += 4;
            char32_t rune = static_cast<char32_t>(r);
            if (rune >= 0xD800 && rune < 0xE000) {
              // A valid surrogate pair is one rune; anything else becomes U+FFFD.
              int r2 = (i_ + 1 < s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') ? Hex4(s_, i_ + 2) : -1;
              if (rune < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
                rune = 0x10000 + ((rune - 0xD800) << 10) + (static_cast<char32_t>(r2) - 0xDC00);
                i_ += 6;
              } else {
                rune = kRuneError;
              }
            }
            AppendRune(out, rune);
            break;
          }
          default: return Fail();
        }
        continue;
      }
      if (c < 0x80) {
        out.push_back(static_cast<char>(c));
        ++i_;
        continue;
      }
      auto [rune, size] = DecodeRune(s_.substr(i_));
      if (rune == kRuneError && size == 1) {
        AppendRune(out, kRuneError);
      } else {
        out.append(s_.substr(i_, size));
      }
      i_ += size;
    }
  }

  std::string_view s_;
  size_t i_ = 0;
  int max_depth_;
  JsonParseStatus status_ = JsonParseStatus::kSyntax;
};

}  // namespace

JsonParseResult ParseJson(std::string_view text, int max_depth, std::pmr::memory_resource* mr) {
  std::pmr::polymorphic_allocator<JsonValue> a(mr);
  JsonValue* raw = a.allocate(1);
  a.construct(raw);
  JsonParseResult result;
  result.value = JsonPtr(raw, JsonDeleter{mr});
  result.status = Parser(text, max_depth).Parse(*raw);
  if (result.status != JsonParseStatus::kOk) result.value.reset();
  return result;
}

}  // namespace vsecm::transform
