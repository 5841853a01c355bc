// The lexer of Go's text/template (text/template/parse/lex.go), for the default delimiters
// "{{" and "}}", with trim markers ("{{- " and " -}}") and comments. It runs over the whole
// template up front; the template is bounded in size, so the item list is too.
#ifndef VSECM_TRANSFORM_LEXER_HPP_
#define VSECM_TRANSFORM_LEXER_HPP_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace vsecm::transform {

enum class ItemType {
  kError,         // the message is in Item::val
  kBool,          // true, false
  kChar,          // a printable ASCII character: comma and the like
  kCharConstant,  // 'x'
  kComplex,       // 1+2i
  kAssign,        // =
  kDeclare,       // :=
  kEOF,
  kField,       // .Alphanumeric
  kIdentifier,  // a function name
  kLeftDelim,
  kLeftParen,
  kNumber,
  kPipe,
  kRawString,  // `raw`
  kRightDelim,
  kRightParen,
  kSpace,
  kString,  // "quoted", quotes included
  kText,
  kVariable,  // $, $x
  kKeyword,   // marks the start of the keywords below
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

struct Item {
  ItemType type = ItemType::kEOF;
  size_t pos = 0;        // byte offset of the item in the template
  std::string val;       // the item's text, or the error message
};

// Lexes `input`; the list ends with kEOF or with the first kError.
std::vector<Item> Lex(std::string_view input);

// Go's item.String(), used in parse errors: "EOF", "<end>", "\"}}\"", "\"abcdefghij\"...".
std::string ItemString(const Item& item);

// fmt's %#U of a rune: U+0041 'A'.
std::string RuneDescription(char32_t r);

// fmt's %q of a template string (templates are not secret).
std::string GoQuote(std::string_view s);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_LEXER_HPP_
