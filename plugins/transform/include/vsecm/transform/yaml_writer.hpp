// YAML output exactly as gopkg.in/yaml.v3's yaml.Marshal prints a value decoded from JSON:
// block style with an indent of 4, sequences indented under their key, map keys in yaml.v3's
// "natural" order (digit runs compared as numbers: a2 before a10), strings quoted only when
// they would otherwise read as another type (yes, 1234, null, 2024-01-02, 12:30) or could not
// be plain, multi-line strings as literal blocks (|, |-, |+), floats with strconv's 'g' format.
// A port of the relevant parts of yaml.v3's encoder and emitter (emitterc.go).
#ifndef VSECM_TRANSFORM_YAML_WRITER_HPP_
#define VSECM_TRANSFORM_YAML_WRITER_HPP_

#include <cstddef>
#include <string_view>

#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/secure_memory.hpp"

namespace vsecm::transform {

// Appends the YAML document for `value` to `out`; RESOURCE_EXHAUSTED when it would exceed
// `max_bytes`.
Status WriteYaml(const JsonValue& value, SecretString& out, size_t max_bytes);

// yaml.v3's keyList ordering of two map keys.
bool YamlKeyLess(std::string_view a, std::string_view b);

// Whether yaml.v3 would resolve the plain scalar `s` to something other than a string
// (null, bool, int, float, timestamp), or it is a YAML 1.1 bool or base-60 float: such strings
// are written double-quoted.
bool YamlNeedsQuotes(std::string_view s);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_YAML_WRITER_HPP_
