// Executes a parsed template over JSON data with text/template's semantics
// (text/template/exec.go), default missingkey option: a missing key prints "<no value>".
#ifndef VSECM_TRANSFORM_EXECUTOR_HPP_
#define VSECM_TRANSFORM_EXECUTOR_HPP_

#include <memory_resource>

#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/ast.hpp"
#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/limits.hpp"
#include "vsecm/transform/secure_memory.hpp"

namespace vsecm::transform {

// Appends the output to `out`. `data` is the decoded value (Go's map[string]interface{}: an
// object, or null for a nil map). Errors read like Go's:
//   template: secret:1:2: executing "secret" at <eq .port 8080>: error calling eq: ...
// and name limits: RESOURCE_EXHAUSTED "... max_output_bytes (1048576)".
Status ExecuteTemplate(const Tree& tree, const JsonValue& data, const Limits& limits,
                       std::pmr::memory_resource* mr, SecretString& out);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_EXECUTOR_HPP_
