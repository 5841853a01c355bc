#include "vsecm/transform/lexer.hpp"

#include <cstdio>

#include "vsecm/transform/go_strconv.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {
namespace {

constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
constexpr char32_t kEof = 0xFFFFFFFF;

bool IsSpaceRune(char32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }
bool IsSpaceChar(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsAlphaNumeric(char32_t r) { return r == '_' || IsLetter(r) || IsDigit(r); }
bool HasLeftTrimMarker(std::string_view s) { return s.size() >= 2 && s[0] == '-' && IsSpaceChar(s[1]); }
bool HasRightTrimMarker(std::string_view s) { return s.size() >= 2 && IsSpaceChar(s[0]) && s[1] == '-'; }

ItemType Keyword(std::string_view w) {
  if (w == ".") return ItemType::kDot;
  if (w == "block") return ItemType::kBlock;
  if (w == "break") return ItemType::kBreak;
  if (w == "continue") return ItemType::kContinue;
  if (w == "define") return ItemType::kDefine;
  if (w == "else") return ItemType::kElse;
  if (w == "end") return ItemType::kEnd;
  if (w == "if") return ItemType::kIf;
  if (w == "range") return ItemType::kRange;
  if (w == "nil") return ItemType::kNil;
  if (w == "template") return ItemType::kTemplate;
  if (w == "with") return ItemType::kWith;
  return ItemType::kError;
}

class Lexer {
 public:
  explicit Lexer(std::string_view in) : in_(in) {}

  std::vector<Item> Run() {
    enum class State { kText, kLeftDelim, kInside, kRightDelim, kComment, kDone } st = State::kText;
    while (st != State::kDone) {
      switch (st) {
        case State::kText: st = LexText() ? State::kLeftDelim : State::kDone; break;
        case State::kLeftDelim: st = LexLeftDelim() ? State::kComment : State::kInside; break;
        case State::kComment: st = LexComment() ? State::kText : State::kDone; break;
        case State::kInside: {
          int r = LexInside();
          st = r == 0 ? State::kInside : r == 1 ? State::kRightDelim : State::kDone;
          break;
        }
        case State::kRightDelim: LexRightDelim(); st = State::kText; break;
        case State::kDone: break;
      }
    }
    return std::move(items_);
  }

 private:
  char32_t Next() {
    if (pos_ >= in_.size()) {
      width_ = 0;
      return kEof;
    }
    auto [r, w] = DecodeRune(in_.substr(pos_));
    width_ = w;
    pos_ += w;
    return r;
  }
  char32_t Peek() {
    char32_t r = Next();
    Backup();
    return r;
  }
  void Backup() { pos_ -= width_; }
  void Emit(ItemType t) {
    items_.push_back(Item{t, start_, std::string(in_.substr(start_, pos_ - start_))});
    start_ = pos_;
  }
  void Ignore() { start_ = pos_; }
  bool Error(std::string msg) {
    items_.push_back(Item{ItemType::kError, start_, std::move(msg)});
    return false;
  }
  bool Accept(std::string_view valid) {
    char32_t r = Next();
    if (r != kEof && r < 0x80 && valid.find(static_cast<char>(r)) != std::string_view::npos) return true;
    Backup();
    return false;
  }
  void AcceptRun(std::string_view valid) {
    while (Accept(valid)) {
    }
  }
  bool AtRightDelim(bool* trim) {
    std::string_view rest = in_.substr(pos_);
    if (HasRightTrimMarker(rest) && rest.substr(2).starts_with(kRightDelim)) {
      *trim = true;
      return true;
    }
    *trim = false;
    return rest.starts_with(kRightDelim);
  }
  bool AtTerminator() {
    char32_t r = Peek();
    if (IsSpaceRune(r)) return true;
    switch (r) {
      case kEof: case '.': case ',': case '|': case ':': case ')': case '(': case '}':
        return true;
      default:
        return false;
    }
  }

  // Returns true when a left delimiter follows, false at EOF (after emitting kEOF).
  bool LexText() {
    size_t x = in_.find(kLeftDelim, pos_);
    if (x != std::string_view::npos) {
      pos_ = x;
      size_t trim = 0;
      if (HasLeftTrimMarker(in_.substr(pos_ + kLeftDelim.size()))) {
        std::string_view text = in_.substr(start_, pos_ - start_);
        while (trim < text.size() && IsSpaceChar(text[text.size() - 1 - trim])) ++trim;
      }
      pos_ -= trim;
      if (pos_ > start_) Emit(ItemType::kText);
      pos_ += trim;
      Ignore();
      return true;
    }
    pos_ = in_.size();
    if (pos_ > start_) Emit(ItemType::kText);
    Emit(ItemType::kEOF);
    return false;
  }

  // Returns true when the action is a comment.
  bool LexLeftDelim() {
    pos_ += kLeftDelim.size();
    bool trim = HasLeftTrimMarker(in_.substr(pos_));
    size_t after = trim ? 2 : 0;
    if (in_.substr(pos_ + after).starts_with(kLeftComment)) {
      pos_ += after;
      Ignore();
      return true;
    }
    Emit(ItemType::kLeftDelim);
    pos_ += after;
    Ignore();
    paren_depth_ = 0;
    return false;
  }

  bool LexComment() {
    pos_ += kLeftComment.size();
    size_t i = in_.find(kRightComment, pos_);
    if (i == std::string_view::npos) return Error("unclosed comment");
    pos_ = i + kRightComment.size();
    bool trim = false;
    if (!AtRightDelim(&trim)) return Error("comment ends before closing delimiter");
    if (trim) pos_ += 2;
    pos_ += kRightDelim.size();
    if (trim) {
      while (pos_ < in_.size() && IsSpaceChar(in_[pos_])) ++pos_;
    }
    Ignore();
    return true;
  }

  void LexRightDelim() {
    bool trim = HasRightTrimMarker(in_.substr(pos_));
    if (trim) {
      pos_ += 2;
      Ignore();
    }
    pos_ += kRightDelim.size();
    Emit(ItemType::kRightDelim);
    if (trim) {
      while (pos_ < in_.size() && IsSpaceChar(in_[pos_])) ++pos_;
      Ignore();
    }
  }

  // 0: keep lexing inside the action; 1: at the right delimiter; 2: stop (error).
  int LexInside() {
    bool trim = false;
    if (AtRightDelim(&trim)) {
      if (paren_depth_ == 0) return 1;
      Error("unclosed left paren");
      return 2;
    }
    char32_t r = Next();
    if (r == kEof) return Error("unclosed action") ? 0 : 2;
    if (IsSpaceRune(r)) {
      Backup();
      return LexSpace();
    }
    switch (r) {
      case '=': Emit(ItemType::kAssign); return 0;
      case ':':
        if (Next() != '=') return Error("expected :=") ? 0 : 2;
        Emit(ItemType::kDeclare);
        return 0;
      case '|': Emit(ItemType::kPipe); return 0;
      case '"': return LexQuote() ? 0 : 2;
      case '`': return LexRawQuote() ? 0 : 2;
      case '$': return LexVariable() ? 0 : 2;
      case '\'': return LexChar() ? 0 : 2;
      case '(':
        Emit(ItemType::kLeftParen);
        ++paren_depth_;
        return 0;
      case ')':
        Emit(ItemType::kRightParen);
        if (--paren_depth_ < 0) return Error("unexpected right paren " + RuneDescription(r)) ? 0 : 2;
        return 0;
      default: break;
    }
    if (r == '.') {
      if (pos_ < in_.size() && (in_[pos_] < '0' || in_[pos_] > '9')) {
        return LexFieldOrVariable(ItemType::kField) ? 0 : 2;
      }
    }
    if (r == '.' || r == '+' || r == '-' || (r >= '0' && r <= '9')) {
      Backup();
      return LexNumber() ? 0 : 2;
    }
    if (IsAlphaNumeric(r)) {
      Backup();
      return LexIdentifier() ? 0 : 2;
    }
    if (r < 0x80 && r >= 0x20 && r < 0x7F) {
      Emit(ItemType::kChar);
      return 0;
    }
    return Error("unrecognized character in action: " + RuneDescription(r)) ? 0 : 2;
  }

  int LexSpace() {
    int spaces = 0;
    while (IsSpaceRune(Peek())) {
      Next();
      ++spaces;
    }
    std::string_view before = in_.substr(pos_ - 1);
    if (HasRightTrimMarker(before) && before.substr(2).starts_with(kRightDelim)) {
      Backup();
      if (spaces == 1) return 1;
    }
    Emit(ItemType::kSpace);
    return 0;
  }

  bool LexIdentifier() {
    for (;;) {
      char32_t r = Next();
      if (IsAlphaNumeric(r)) continue;
      Backup();
      std::string_view word = in_.substr(start_, pos_ - start_);
      if (!AtTerminator()) return Error("bad character " + RuneDescription(r));
      ItemType k = Keyword(word);
      if (k != ItemType::kError) {
        Emit(k);
      } else if (word[0] == '.') {
        Emit(ItemType::kField);
      } else if (word == "true" || word == "false") {
        Emit(ItemType::kBool);
      } else {
        Emit(ItemType::kIdentifier);
      }
      return true;
    }
  }

  bool LexVariable() {
    if (AtTerminator()) {
      Emit(ItemType::kVariable);
      return true;
    }
    return LexFieldOrVariable(ItemType::kVariable);
  }

  bool LexFieldOrVariable(ItemType t) {
    if (AtTerminator()) {
      Emit(t == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
      return true;
    }
    char32_t r;
    for (;;) {
      r = Next();
      if (!IsAlphaNumeric(r)) {
        Backup();
        break;
      }
    }
    if (!AtTerminator()) return Error("bad character " + RuneDescription(r));
    Emit(t);
    return true;
  }

  bool LexChar() {
    for (;;) {
      char32_t r = Next();
      if (r == '\\') {
        r = Next();
        if (r != kEof && r != '\n') continue;
      }
      if (r == kEof || r == '\n') return Error("unterminated character constant");
      if (r == '\'') break;
    }
    Emit(ItemType::kCharConstant);
    return true;
  }

  bool ScanNumber() {
    Accept("+-");
    std::string_view digits = "0123456789_";
    if (Accept("0")) {
      if (Accept("xX")) {
        digits = "0123456789abcdefABCDEF_";
      } else if (Accept("oO")) {
        digits = "01234567_";
      } else if (Accept("bB")) {
        digits = "01_";
      }
    }
    AcceptRun(digits);
    if (Accept(".")) AcceptRun(digits);
    if (digits.size() == 11 && Accept("eE")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    if (digits.size() == 23 && Accept("pP")) {
      Accept("+-");
      AcceptRun("0123456789_");
    }
    Accept("i");
    if (IsAlphaNumeric(Peek())) {
      Next();
      return false;
    }
    return true;
  }

  bool LexNumber() {
    if (!ScanNumber()) return Error("bad number syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
    char32_t sign = Peek();
    if (sign == '+' || sign == '-') {
      if (!ScanNumber() || in_[pos_ - 1] != 'i') {
        return Error("bad number syntax: " + GoQuote(in_.substr(start_, pos_ - start_)));
      }
      Emit(ItemType::kComplex);
    } else {
      Emit(ItemType::kNumber);
    }
    return true;
  }

  bool LexQuote() {
    for (;;) {
      char32_t r = Next();
      if (r == '\\') {
        r = Next();
        if (r != kEof && r != '\n') continue;
      }
      if (r == kEof || r == '\n') return Error("unterminated quoted string");
      if (r == '"') break;
    }
    Emit(ItemType::kString);
    return true;
  }

  bool LexRawQuote() {
    for (;;) {
      char32_t r = Next();
      if (r == kEof) return Error("unterminated raw quoted string");
      if (r == '`') break;
    }
    Emit(ItemType::kRawString);
    return true;
  }

  std::string_view in_;
  size_t pos_ = 0;
  size_t start_ = 0;
  size_t width_ = 0;
  int paren_depth_ = 0;
  std::vector<Item> items_;
};

}  // namespace

std::vector<Item> Lex(std::string_view input) { return Lexer(input).Run(); }

std::string GoQuote(std::string_view s) {
  SecretString out;
  AppendQuoted(out, s, '"', false);
  return std::string(out);
}

std::string RuneDescription(char32_t r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(r));
  std::string out(buf);
  if (IsPrint(r)) {
    SecretString q;
    AppendQuotedRune(q, r, false);
    out += " " + std::string(q);
  }
  return out;
}

std::string ItemString(const Item& item) {
  if (item.type == ItemType::kEOF) return "EOF";
  if (item.type == ItemType::kError) return item.val;
  if (item.type > ItemType::kKeyword) return "<" + item.val + ">";
  if (RuneCount(item.val) > 10) {
    size_t cut = 0;
    for (int n = 0; n < 10; ++n) cut += DecodeRune(std::string_view(item.val).substr(cut)).second;
    return GoQuote(std::string_view(item.val).substr(0, cut)) + "...";
  }
  return GoQuote(item.val);
}

}  // namespace vsecm::transform
