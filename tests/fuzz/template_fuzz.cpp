// libFuzzer target for the transform engine: the input is parsed as a template and, when it
// parses, executed over a small fixed JSON document; the same input is also rendered as a
// secret value (JSON parser, YAML writer, base64). Any crash, leak, out-of-bounds access,
// undefined behaviour or time-out is a bug; errors are expected and ignored.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vsecm/transform/executor.hpp"
#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/parser.hpp"
#include "vsecm/transform/render.hpp"
#include "vsecm/transform/secure_memory.hpp"

namespace {

constexpr std::string_view kData =
    R"({"user":"admin","pass":"p@ss","port":8080,"ratio":0.25,"on":true,"none":null,"list":["a",1,null,{"k":"v"}],)"
    R"("m":{"b":[1,2],"a":{"x":"y"}},"key-with-dash":"d","uni":"h\u00e9\ud83d\ude00"})";

vsecm::transform::Limits FuzzLimits() {
  vsecm::transform::Limits limits;
  limits.max_output_bytes = 64 << 10;
  limits.max_iterations = 2000;
  limits.max_memory_bytes = 32 << 20;
  return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vsecm::transform;
  static const Limits limits = FuzzLimits();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto tree = ParseTemplate(input, limits);
  if (tree.ok()) {
    RenderArena arena(WipingHeapBackend(), limits.max_memory_bytes);
    JsonParseResult json = ParseJson(kData, limits.max_depth, arena.resource());
    if (json.status == JsonParseStatus::kOk) {
      auto out = NewSecretString(arena.resource());
      (void)ExecuteTemplate(**tree, *json.value, limits, arena.resource(), *out);
    }
  }

  size_t produced = 0;
  (void)Render(input, "", size % 2 == 0 ? "yaml+base64" : "json", limits, WipingHeapBackend(),
               [&](std::string_view bytes) { produced += bytes.size(); });
  return 0;
}
