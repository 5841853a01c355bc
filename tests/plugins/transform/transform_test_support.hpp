// Helpers for the transform engine tests: run a template or a whole rendering over test data
// and get the result as an ordinary string (test data is not secret).
#ifndef VSECM_TESTS_PLUGINS_TRANSFORM_TRANSFORM_TEST_SUPPORT_HPP_
#define VSECM_TESTS_PLUGINS_TRANSFORM_TRANSFORM_TEST_SUPPORT_HPP_

#include <string>
#include <string_view>

#include "vsecm/transform/executor.hpp"
#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/parser.hpp"
#include "vsecm/transform/render.hpp"
#include "vsecm/transform/secure_memory.hpp"
#include "vsecm/transform/yaml_writer.hpp"

namespace vsecm::transform::testing {

struct Result {
  Status status;
  std::string out;
};

// Parses `tmpl` and executes it over the JSON object `json` (Go's template.Execute).
inline Result Execute(std::string_view tmpl, std::string_view json, const Limits& limits = {}) {
  auto tree = ParseTemplate(tmpl, limits);
  if (!tree.ok()) return {tree.status(), ""};
  RenderArena arena(WipingHeapBackend(), limits.max_memory_bytes);
  JsonParseResult data = ParseJson(json, limits.max_depth, arena.resource());
  if (data.status != JsonParseStatus::kOk) return {InvalidArgument("test data is not JSON"), ""};
  auto out = NewSecretString(arena.resource());
  Status s = ExecuteTemplate(**tree, *data.value, limits, arena.resource(), *out);
  return {s, std::string(*out)};
}

// The whole transform: value, template and format as the plugin receives them.
inline Result RenderValue(std::string_view value, std::string_view tmpl, std::string_view format,
                          const Limits& limits = {}) {
  std::string out;
  Status s = Render(value, tmpl, format, limits, WipingHeapBackend(),
                    [&](std::string_view bytes) { out.append(bytes); });
  return {s, s.ok() ? out : std::string()};
}

// yaml.Marshal of a JSON document.
inline std::string Yaml(std::string_view json) {
  RenderArena arena(WipingHeapBackend(), size_t{64} << 20);
  JsonParseResult data = ParseJson(json, 64, arena.resource());
  if (data.status != JsonParseStatus::kOk) return "<not json>";
  auto out = NewSecretString(arena.resource());
  Status s = WriteYaml(*data.value, *out, size_t{1} << 20);
  return s.ok() ? std::string(*out) : "<" + s.message() + ">";
}

}  // namespace vsecm::transform::testing

#endif  // VSECM_TESTS_PLUGINS_TRANSFORM_TRANSFORM_TEST_SUPPORT_HPP_
