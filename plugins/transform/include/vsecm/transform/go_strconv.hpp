// The parts of Go's strconv that text/template output depends on: float formatting
// (strconv.FormatFloat with 'b', 'e', 'E', 'f', 'g', 'G', 'x', 'X') and quoting
// (strconv.Quote, QuoteToASCII, QuoteRune, CanBackquote). Output is appended to a string in the
// caller's (secure) memory.
#ifndef VSECM_TRANSFORM_GO_STRCONV_HPP_
#define VSECM_TRANSFORM_GO_STRCONV_HPP_

#include <string_view>

#include "vsecm/transform/secure_memory.hpp"

namespace vsecm::transform {

// strconv.AppendFloat(dst, v, fmt, prec, 64); prec < 0 is the shortest exact representation.
void AppendFloat(SecretString& out, double v, char fmt, int prec);

// strconv.Quote (ascii_only = false) or QuoteToASCII (true), with `quote` as delimiter.
void AppendQuoted(SecretString& out, std::string_view s, char quote, bool ascii_only);

// strconv.QuoteRune / QuoteRuneToASCII.
void AppendQuotedRune(SecretString& out, char32_t r, bool ascii_only);

bool CanBackquote(std::string_view s);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_GO_STRCONV_HPP_
