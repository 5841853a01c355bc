// The parser of Go's text/template (text/template/parse/parse.go) for one template named
// "secret", with the builtin functions only. {{define}}, {{template}} and {{block}} are refused:
// a secret template is one template.
#ifndef VSECM_TRANSFORM_PARSER_HPP_
#define VSECM_TRANSFORM_PARSER_HPP_

#include <memory>
#include <string>
#include <string_view>

#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/ast.hpp"
#include "vsecm/transform/limits.hpp"

namespace vsecm::transform {

// Parses `text`. Errors read like Go's with a column added:
//   template: secret:1:14: unexpected "}" in operand
StatusOr<std::unique_ptr<Tree>> ParseTemplate(std::string_view text, const Limits& limits);

// Literal syntax shared with the lexer's items (parser_literals.cpp). On error they return
// false and set `error` to Go's message.
bool ParseNumberLiteral(const std::string& text, bool is_char, Node& out, std::string& error);
bool UnquoteString(const std::string& quoted, std::string& out);

// Whether `name` is one of the builtin functions.
bool IsBuiltinFunction(std::string_view name);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_PARSER_HPP_
