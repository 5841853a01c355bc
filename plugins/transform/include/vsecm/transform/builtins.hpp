// text/template's builtin functions (text/template/funcs.go) over template values. Each
// returns its result or throws BuiltinError with Go's message; the executor adds "error
// calling NAME: ". Messages name types and template text, never a value from the data.
#ifndef VSECM_TRANSFORM_BUILTINS_HPP_
#define VSECM_TRANSFORM_BUILTINS_HPP_

#include <memory_resource>
#include <span>
#include <string>
#include <string_view>

#include "vsecm/transform/value.hpp"

namespace vsecm::transform {

struct BuiltinError {
  std::string message;
};

// How a builtin's parameter receives its argument (evalArg's target type in Go).
enum class ParamType { kReflectValue, kAny, kString };

struct Signature {
  int params;            // including the variadic one
  bool variadic;
  ParamType fixed;       // type of the fixed parameters (printf: the first is kString)
  ParamType rest;        // type of the variadic parameter's elements
};

// The signature of a builtin; `name` must be a builtin.
Signature BuiltinSignature(std::string_view name);

// Everything a builtin may need besides its arguments.
struct BuiltinEnv {
  std::pmr::memory_resource* mr;
  size_t max_string_bytes;  // limit for computed strings (max_output_bytes)
  uint64_t* work_bytes;     // bytes examined or produced so far; checked by the executor
  std::string callee;       // call: the text of the function argument, for its message
};

// Calls builtin `name` (not and/or, which the executor evaluates lazily).
Value CallBuiltin(std::string_view name, std::span<const Value> args, BuiltinEnv& env);

// Go's truth of a builtin argument (isTrue of the unwrapped value).
bool Truth(const Value& v);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_BUILTINS_HPP_
