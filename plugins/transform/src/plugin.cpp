// vsecm-transform: the transform plugin. Renders each secret through a Go text/template and
// then json, yaml or raw output (optionally base64), as VSecM does; see render.hpp for the
// exact rules and limits.hpp for the bounds. Thread-safe: every call works on its own arena.
#include <string>

#include "vsecm/sdk/plugin.hpp"
#include "vsecm/transform/limits.hpp"
#include "vsecm/transform/render.hpp"

namespace {

using vsecm::transform::Limits;

uint8_t* HostAlloc(void* ctx, size_t len) {
  auto* api = static_cast<const vsecm_host_api*>(ctx);
  return api->secure_alloc(api->ctx_host, len);
}
void HostFree(void* ctx, uint8_t* p, size_t len) {
  auto* api = static_cast<const vsecm_host_api*>(ctx);
  api->secure_free(api->ctx_host, p, len);
}

class TransformPlugin final : public vsecm::sdk::TransformPlugin {
 public:
  static constexpr const char* kName = "vsecm-transform";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "renders secrets through Go text/template into json, yaml or raw output (VSecM compatible)";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;
  static constexpr vsecm_config_field kConfig[] = {
      {"max_output_bytes", VSECM_CONFIG_INTEGER, 0, "1048576", "VSECM_TRANSFORM_MAX_OUTPUT_BYTES",
       "largest output a template or a format step may produce, in bytes"},
      {"max_iterations", VSECM_CONFIG_INTEGER, 0, "100000", "VSECM_TRANSFORM_MAX_ITERATIONS",
       "range iterations allowed in one rendering, nested loops included"},
      {"max_depth", VSECM_CONFIG_INTEGER, 0, "64", "VSECM_TRANSFORM_MAX_DEPTH",
       "deepest nesting of template structures and of the JSON value"},
      {"max_template_bytes", VSECM_CONFIG_INTEGER, 0, "65536", "VSECM_TRANSFORM_MAX_TEMPLATE_BYTES",
       "longest template accepted, in bytes"},
      {"max_memory_bytes", VSECM_CONFIG_INTEGER, 0, "67108864", "VSECM_TRANSFORM_MAX_MEMORY_BYTES",
       "secure memory one rendering may hold, in bytes"},
  };

  explicit TransformPlugin(vsecm::sdk::Host host) : vsecm::sdk::TransformPlugin(host) {
    limits_.max_output_bytes = static_cast<size_t>(Positive(host, "max_output_bytes", 1 << 20, int64_t{1} << 32));
    limits_.max_iterations = static_cast<uint64_t>(Positive(host, "max_iterations", 100000, int64_t{1} << 32));
    limits_.max_depth = static_cast<int>(Positive(host, "max_depth", 64, 256));
    limits_.max_template_bytes = static_cast<size_t>(Positive(host, "max_template_bytes", 65536, int64_t{1} << 24));
    limits_.max_memory_bytes = static_cast<size_t>(Positive(host, "max_memory_bytes", int64_t{64} << 20, int64_t{1} << 36));
  }

  vsecm::Status Apply(vsecm::sdk::ByteView value, std::string_view template_text, std::string_view format,
                      vsecm::sdk::Sink& out) override {
    vsecm::transform::SecureBackend backend{const_cast<vsecm_host_api*>(host().raw()), &HostAlloc, &HostFree};
    std::string_view text(reinterpret_cast<const char*>(value.data()), value.size());
    return vsecm::transform::Render(text, template_text, format, limits_, backend,
                                    [&](std::string_view bytes) { out.Write(bytes); });
  }

 private:
  // A configured limit, refused unless in [1, max] (a limit of 0 would refuse every secret;
  // the upper bounds keep the derived work budgets from overflowing).
  static int64_t Positive(const vsecm::sdk::Host& host, const char* key, int64_t fallback, int64_t max) {
    int64_t v = host.ConfigInt(key, fallback);
    if (v < 1 || v > max) {
      throw vsecm::StatusError(vsecm::InvalidArgument(std::string(key) + " must be between 1 and " +
                                                      std::to_string(max) + ", got " + std::to_string(v)));
    }
    return v;
  }

  Limits limits_;
};

}  // namespace

VSECM_DEFINE_PLUGIN(TransformPlugin)
