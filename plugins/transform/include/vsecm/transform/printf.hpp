// Go's fmt.Sprint, Sprintln and Sprintf (fmt/print.go, fmt/format.go) over template values,
// written into a string in secure memory. Covers the verbs %v %+v %#v %T %t %d %b %o %O %x %X
// %c %q %U %e %E %f %F %g %G %s %%, flags "+-# 0", width, precision, "*" and argument indexes
// [n], and Go's in-band errors (%!d(float64=8080), %!s(MISSING), %!(EXTRA ...)). %p is refused as
// a bad verb: an address would make the output differ between runs.
#ifndef VSECM_TRANSFORM_PRINTF_HPP_
#define VSECM_TRANSFORM_PRINTF_HPP_

#include <cstddef>
#include <span>
#include <string_view>

#include "vsecm/transform/secure_memory.hpp"
#include "vsecm/transform/value.hpp"

namespace vsecm::transform {

// Each function appends to `out` and throws StatusError (kResourceExhausted) as soon as `out`
// would exceed `max_bytes`.
void Sprint(SecretString& out, std::span<const Value> args, size_t max_bytes);
void Sprintln(SecretString& out, std::span<const Value> args, size_t max_bytes);
void Sprintf(SecretString& out, std::string_view format, std::span<const Value> args,
             size_t max_bytes);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_PRINTF_HPP_
