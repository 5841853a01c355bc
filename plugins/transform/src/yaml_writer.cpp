// A port of the parts of yaml.v3's encoder and emitter that a JSON-shaped value reaches.
#include "vsecm/transform/yaml_writer.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "vsecm/transform/go_strconv.hpp"

namespace vsecm::transform {
namespace {

constexpr int kBestIndent = 4;

enum class Style { kPlain, kSingle, kDouble, kLiteral };
// Which state pushed the node being emitted: decides the next indentation.
enum class Parent { kRoot, kSequenceItem, kMappingKey, kMappingValue };

// yaml's character classes on UTF-8 bytes (yamlprivateh.go).
size_t Width(unsigned char b) {
  if ((b & 0x80) == 0) return 1;
  if ((b & 0xE0) == 0xC0) return 2;
  if ((b & 0xF0) == 0xE0) return 3;
  if ((b & 0xF8) == 0xF0) return 4;
  return 0;
}
unsigned char At(std::string_view s, size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0; }
bool IsSpace(std::string_view s, size_t i) { return At(s, i) == ' '; }
bool IsBreak(std::string_view s, size_t i) {
  unsigned char b = At(s, i);
  return b == '\r' || b == '\n' || (b == 0xC2 && At(s, i + 1) == 0x85) ||
         (b == 0xE2 && At(s, i + 1) == 0x80 && (At(s, i + 2) == 0xA8 || At(s, i + 2) == 0xA9));
}
bool IsBlankz(std::string_view s, size_t i) {
  unsigned char b = At(s, i);
  return b == ' ' || b == '\t' || IsBreak(s, i) || b == 0;
}
bool IsPrintable(std::string_view s, size_t i) {
  unsigned char b = At(s, i), b1 = At(s, i + 1), b2 = At(s, i + 2);
  return b == 0x0A || (b >= 0x20 && b <= 0x7E) || (b == 0xC2 && b1 >= 0xA0) || (b > 0xC2 && b < 0xED) ||
         (b == 0xED && b1 < 0xA0) || b == 0xEE ||
         (b == 0xEF && !(b1 == 0xBB && b2 == 0xBF) && !(b1 == 0xBF && (b2 == 0xBE || b2 == 0xBF)));
}

struct Analysis {
  bool multiline = false;
  bool block_plain_allowed = true;
  bool single_quoted_allowed = true;
  bool block_allowed = true;
};

// yaml_emitter_analyze_scalar, for the block context (flow_level 0) and unicode output.
Analysis Analyze(std::string_view v) {
  Analysis a;
  if (v.empty()) {
    a.block_allowed = false;
    return a;
  }
  bool block_indicators = false, line_breaks = false, special = false, tabs = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false;
  bool break_space = false, space_break = false, previous_space = false, previous_break = false;
  if (v.size() >= 3 && (v.starts_with("---") || v.starts_with("..."))) block_indicators = true;
  bool preceded_by_ws = true;
  for (size_t i = 0, w = 0; i < v.size(); i += w) {
    w = std::max<size_t>(Width(At(v, i)), 1);
    bool followed_by_ws = i + w >= v.size() || At(v, i + w) == ' ' || At(v, i + w) == '\t';
    char c = v[i];
    if (i == 0) {
      switch (c) {
        case '#': case ',': case '[': case ']': case '{': case '}': case '&': case '*': case '!':
        case '|': case '>': case '\'': case '"': case '%': case '@': case '`':
          block_indicators = true;
          break;
        case '?': case ':': case '-':
          if (followed_by_ws) block_indicators = true;
          break;
        default: break;
      }
    } else if ((c == ':' && followed_by_ws) || (c == '#' && preceded_by_ws)) {
      block_indicators = true;
    }
    if (c == '\t') {
      tabs = true;
    } else if (!IsPrintable(v, i)) {
      special = true;
    }
    if (IsSpace(v, i)) {
      if (i == 0) leading_space = true;
      if (i + w == v.size()) trailing_space = true;
      if (previous_break) break_space = true;
      previous_space = true;
      previous_break = false;
    } else if (IsBreak(v, i)) {
      line_breaks = true;
      if (i == 0) leading_break = true;
      if (i + w == v.size()) trailing_break = true;
      if (previous_space) space_break = true;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = IsBlankz(v, i);
  }
  a.multiline = line_breaks;
  if (leading_space || leading_break || trailing_space || trailing_break) a.block_plain_allowed = false;
  if (trailing_space) a.block_allowed = false;
  if (break_space) a.block_plain_allowed = a.single_quoted_allowed = false;
  if (space_break || tabs || special) a.block_plain_allowed = a.single_quoted_allowed = false;
  if (space_break || special) a.block_allowed = false;
  if (line_breaks || block_indicators) a.block_plain_allowed = false;
  return a;
}

class Emitter {
 public:
  Emitter(SecretString& out, size_t max) : out_(out), max_(max) {}

  void Document(const JsonValue& v) {
    Node(v, Parent::kRoot, false);
    indent_ = -1;
    WriteIndent();
  }

 private:
  void Check() {
    if (out_.size() > max_) {
      throw StatusError(ResourceExhausted("the YAML output exceeds max_output_bytes (" + std::to_string(max_) + ")"));
    }
  }
  void Put(char c) {
    out_.push_back(c);
    ++column_;
  }
  void PutBreak() {
    out_.push_back('\n');
    column_ = 0;
    indention_ = true;
    Check();
  }
  void Write(std::string_view s, size_t& i) {
    size_t w = std::max<size_t>(Width(At(s, i)), 1);
    out_.append(s.substr(i, w));
    ++column_;
    i += w;
  }
  void WriteAll(std::string_view s) {
    for (size_t i = 0; i < s.size();) Write(s, i);
  }
  void WriteBreak(std::string_view s, size_t& i) {
    if (s[i] == '\n') {
      PutBreak();
      ++i;
    } else {
      Write(s, i);
      column_ = 0;
      indention_ = true;
    }
  }
  void WriteIndent() {
    int indent = std::max(indent_, 0);
    if (!indention_ || column_ > indent || (column_ == indent && !whitespace_)) PutBreak();
    while (column_ < indent) Put(' ');
    whitespace_ = true;
  }
  void WriteIndicator(std::string_view ind, bool need_ws, bool is_ws, bool is_indention) {
    if (need_ws && !whitespace_) Put(' ');
    WriteAll(ind);
    whitespace_ = is_ws;
    indention_ = indention_ && is_indention;
  }
  void IncreaseIndent(bool flow, Parent parent) {
    indents_.push_back(indent_);
    if (indent_ < 0) {
      indent_ = flow ? kBestIndent : 0;
    } else if (parent == Parent::kSequenceItem) {
      indent_ += 2;  // the first indent inside a sequence just skips "- "
    } else {
      indent_ = kBestIndent * ((indent_ + kBestIndent) / kBestIndent);
    }
  }
  void PopIndent() {
    indent_ = indents_.back();
    indents_.pop_back();
  }

  void Node(const JsonValue& v, Parent parent, bool simple_key) {
    Check();
    switch (v.type) {
      case JsonType::kNull: Scalar("null", Style::kPlain, parent, simple_key); return;
      case JsonType::kBool: Scalar(v.boolean ? "true" : "false", Style::kPlain, parent, simple_key); return;
      case JsonType::kNumber: {
        auto text = NewSecretString(out_.get_allocator().resource());
        AppendFloat(*text, v.number, 'g', -1);
        Scalar(*text, Style::kPlain, parent, simple_key);
        return;
      }
      case JsonType::kString: String(v.string, parent, simple_key); return;
      case JsonType::kArray: Sequence(v, parent); return;
      case JsonType::kObject: Mapping(v, parent); return;
    }
  }

  // encoder.stringv: the style it asks for.
  void String(std::string_view s, Parent parent, bool simple_key) {
    Style style = s.find('\n') != std::string_view::npos ? Style::kLiteral
                  : YamlNeedsQuotes(s)                      ? Style::kDouble
                                                            : Style::kPlain;
    Scalar(s, style, parent, simple_key);
  }

  void Scalar(std::string_view v, Style style, Parent parent, bool simple_key) {
    const Analysis a = Analyze(v);
    if (simple_key && a.multiline) style = Style::kDouble;
    if (style == Style::kPlain) {
      if (!a.block_plain_allowed) style = Style::kSingle;
      if (v.empty() && simple_key) style = Style::kSingle;
    }
    if (style == Style::kSingle && !a.single_quoted_allowed) style = Style::kDouble;
    if (style == Style::kLiteral && (!a.block_allowed || simple_key)) style = Style::kDouble;
    IncreaseIndent(true, parent);
    switch (style) {
      case Style::kPlain: Plain(v); break;
      case Style::kSingle: SingleQuoted(v); break;
      case Style::kDouble: DoubleQuoted(v); break;
      case Style::kLiteral: Literal(v); break;
    }
    PopIndent();
  }

  void Sequence(const JsonValue& v, Parent parent) {
    if (v.array.empty()) {
      WriteIndicator("[", true, true, false);
      WriteIndicator("]", false, false, false);
      return;
    }
    IncreaseIndent(false, parent);
    for (const JsonValue& e : v.array) {
      WriteIndent();
      WriteIndicator("-", true, false, true);
      Node(e, Parent::kSequenceItem, false);
    }
    PopIndent();
  }

  void Mapping(const JsonValue& v, Parent parent) {
    if (v.object.empty()) {
      WriteIndicator("{", true, true, false);
      WriteIndicator("}", false, false, false);
      return;
    }
    std::pmr::vector<const JsonMember*> keys(out_.get_allocator().resource());
    for (const JsonMember& m : v.object) keys.push_back(&m);
    std::stable_sort(keys.begin(), keys.end(),
                     [](const JsonMember* x, const JsonMember* y) { return YamlKeyLess(x->key, y->key); });
    IncreaseIndent(false, parent);
    for (const JsonMember* m : keys) {
      WriteIndent();
      const bool simple = !Analyze(m->key).multiline && m->key.size() <= 128;
      if (simple) {
        String(m->key, Parent::kMappingKey, true);
        WriteIndicator(":", false, false, false);
      } else {
        WriteIndicator("?", true, false, true);
        String(m->key, Parent::kMappingKey, false);
        WriteIndent();
        WriteIndicator(":", true, false, true);
      }
      Node(m->value, Parent::kMappingValue, false);
    }
    PopIndent();
  }

  void Plain(std::string_view v) {
    if (!v.empty() && !whitespace_) Put(' ');
    bool breaks = false;
    for (size_t i = 0; i < v.size();) {
      if (IsBreak(v, i)) {
        if (!breaks && v[i] == '\n') PutBreak();
        WriteBreak(v, i);
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        Write(v, i);
        indention_ = false;
        breaks = false;
      }
    }
    if (!v.empty()) whitespace_ = false;
    indention_ = false;
  }

  void SingleQuoted(std::string_view v) {
    WriteIndicator("'", true, false, false);
    bool breaks = false;
    for (size_t i = 0; i < v.size();) {
      if (IsBreak(v, i)) {
        if (!breaks && v[i] == '\n') PutBreak();
        WriteBreak(v, i);
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        if (v[i] == '\'') Put('\'');
        Write(v, i);
        indention_ = false;
        breaks = false;
      }
    }
    WriteIndicator("'", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void DoubleQuoted(std::string_view v) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    WriteIndicator("\"", true, false, false);
    const bool bom = v.size() >= 3 && At(v, 0) == 0xEF && At(v, 1) == 0xBB && At(v, 2) == 0xBF;
    for (size_t i = 0; i < v.size();) {
      if (!IsPrintable(v, i) || bom || IsBreak(v, i) || v[i] == '"' || v[i] == '\\') {
        unsigned char octet = At(v, i);
        size_t w = Width(octet);
        if (w == 0) w = 1;
        char32_t r = w == 1 ? octet & 0x7F : w == 2 ? octet & 0x1F : w == 3 ? octet & 0x0F : octet & 0x07;
        for (size_t k = 1; k < w; ++k) r = (r << 6) + (At(v, i + k) & 0x3F);
        i += w;
        Put('\\');
        switch (r) {
          case 0x00: Put('0'); break;
          case 0x07: Put('a'); break;
          case 0x08: Put('b'); break;
          case 0x09: Put('t'); break;
          case 0x0A: Put('n'); break;
          case 0x0B: Put('v'); break;
          case 0x0C: Put('f'); break;
          case 0x0D: Put('r'); break;
          case 0x1B: Put('e'); break;
          case 0x22: Put('"'); break;
          case 0x5C: Put('\\'); break;
          case 0x85: Put('N'); break;
          case 0xA0: Put('_'); break;
          case 0x2028: Put('L'); break;
          case 0x2029: Put('P'); break;
          default: {
            int digits = r <= 0xFF ? 2 : r <= 0xFFFF ? 4 : 8;
            Put(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U');
            for (int k = (digits - 1) * 4; k >= 0; k -= 4) Put(kHex[(r >> k) & 0xF]);
          }
        }
      } else {
        Write(v, i);
      }
    }
    WriteIndicator("\"", false, false, false);
    whitespace_ = false;
    indention_ = false;
  }

  void Literal(std::string_view v) {
    WriteIndicator("|", true, false, false);
    // Block scalar hints: an explicit indent when the text starts with a space or break, and
    // the chomping indicator that keeps the trailing line breaks exact.
    if (IsSpace(v, 0) || IsBreak(v, 0)) WriteIndicator(std::string(1, static_cast<char>('0' + kBestIndent)), false, false, false);
    size_t i = v.size() - 1;
    while (i > 0 && (At(v, i) & 0xC0) == 0x80) --i;
    char chomp = 0;
    if (!IsBreak(v, i)) {
      chomp = '-';
    } else if (i == 0) {
      chomp = '+';
    } else {
      --i;
      while (i > 0 && (At(v, i) & 0xC0) == 0x80) --i;
      if (IsBreak(v, i)) chomp = '+';
    }
    if (chomp != 0) WriteIndicator(std::string(1, chomp), false, false, false);
    whitespace_ = true;
    bool breaks = true;
    for (size_t k = 0; k < v.size();) {
      if (IsBreak(v, k)) {
        WriteBreak(v, k);
        breaks = true;
      } else {
        if (breaks) WriteIndent();
        Write(v, k);
        indention_ = false;
        breaks = false;
      }
    }
  }

  SecretString& out_;
  size_t max_;
  int column_ = 0;
  bool whitespace_ = true;
  bool indention_ = true;
  int indent_ = -1;
  std::vector<int> indents_;
};

}  // namespace

Status WriteYaml(const JsonValue& value, SecretString& out, size_t max_bytes) {
  try {
    Emitter(out, max_bytes).Document(value);
    if (out.size() > max_bytes) {
      return ResourceExhausted("the YAML output exceeds max_output_bytes (" + std::to_string(max_bytes) + ")");
    }
    return Status::Ok();
  } catch (const StatusError& e) {
    return e.status();
  }
}

}  // namespace vsecm::transform
