// What the transform plugin does with one value, following VSecM's transform()
// (core/entity/v1/data/convert.go) except where noted:
//
//   1. The value is trimmed of surrounding white space (strings.TrimSpace), as VSecM does.
//   2. With a template: the template must parse (VSecM silently fell back to the value; here
//      a bad template is an error naming line and column, and the secret is not stored). When
//      the value is a JSON object (or null) the template is executed over it (an execution
//      error is likewise an error); when it is not, the value passes through untransformed.
//      Without a template the value itself is the result.
//   3. The format: "json" (the default, as VSecM's Sentinel sends when -f is not given):
//      the result if it is a JSON object, else the original value (VSecM's rule). "yaml": the
//      result converted to YAML as yaml.v3 prints it if it is a JSON object, else the result
//      as it is. "raw" (also "none"): the result as it is.
//   4. "+base64" after a format ("json+base64", "yaml+base64", "raw+base64"; "base64" alone is
//      the default format then base64) encodes the output in standard base64 with padding, as
//      Kubernetes Secret data carries it.
//
// VSecM also stripped "key:<no value>" pairs from a template's output
// (removeKeyValueWithNoValue); that filter split the output on every comma and colon and
// dropped text without one, so it is not reproduced: a missing key renders as Go renders it.
#ifndef VSECM_TRANSFORM_RENDER_HPP_
#define VSECM_TRANSFORM_RENDER_HPP_

#include <functional>
#include <string_view>

#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/limits.hpp"
#include "vsecm/transform/secure_memory.hpp"

namespace vsecm::transform {

enum class BaseFormat { kJson, kYaml, kRaw };

struct Format {
  BaseFormat base = BaseFormat::kJson;
  bool base64 = false;
};

// "", "json", "yaml", "raw", "none", each optionally followed by "+base64", or "base64".
StatusOr<Format> ParseFormat(std::string_view text);

// Receives the rendered bytes, possibly in several pieces.
using OutputFn = std::function<void(std::string_view)>;

// Renders `value`; all intermediate data lives in memory from `backend`.
Status Render(std::string_view value, std::string_view template_text, std::string_view format,
              const Limits& limits, SecureBackend backend, const OutputFn& output);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_RENDER_HPP_
