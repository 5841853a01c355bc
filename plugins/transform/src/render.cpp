#include "vsecm/transform/render.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <new>

#include "vsecm/transform/executor.hpp"
#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/parser.hpp"
#include "vsecm/transform/utf8.hpp"
#include "vsecm/transform/yaml_writer.hpp"

namespace vsecm::transform {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 with padding, in chunks through a small buffer that is wiped afterwards.
void EmitBase64(std::string_view in, const OutputFn& output) {
  std::array<char, 1024> buf{};
  size_t n = 0;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    buf[n++] = kBase64[(v >> 18) & 63];
    buf[n++] = kBase64[(v >> 12) & 63];
    buf[n++] = i + 1 < in.size() ? kBase64[(v >> 6) & 63] : '=';
    buf[n++] = i + 2 < in.size() ? kBase64[v & 63] : '=';
    if (n == buf.size()) {
      output(std::string_view(buf.data(), n));
      n = 0;
    }
  }
  if (n > 0) output(std::string_view(buf.data(), n));
  volatile char* p = buf.data();
  for (size_t k = 0; k < buf.size(); ++k) p[k] = 0;
}

Status TooDeep(const char* what, const Limits& limits) {
  return ResourceExhausted(std::string(what) + " nests deeper than max_depth (" +
                           std::to_string(limits.max_depth) + ")");
}

}  // namespace

StatusOr<Format> ParseFormat(std::string_view text) {
  Format f;
  std::string_view base = text;
  if (text == "base64") {
    f.base64 = true;
    return f;
  }
  if (text.ends_with("+base64")) {
    f.base64 = true;
    base = text.substr(0, text.size() - 7);
  }
  if (base.empty() && !f.base64) return f;
  if (base == "json") {
    f.base = BaseFormat::kJson;
  } else if (base == "yaml") {
    f.base = BaseFormat::kYaml;
  } else if (base == "raw" || base == "none") {
    f.base = BaseFormat::kRaw;
  } else {
    return InvalidArgument("unknown format \"" + std::string(text.substr(0, 32)) +
                           "\": expected json, yaml or raw, optionally followed by +base64");
  }
  return f;
}

Status Render(std::string_view value, std::string_view template_text, std::string_view format,
              const Limits& limits, SecureBackend backend, const OutputFn& output) {
  VSECM_ASSIGN_OR_RETURN(Format fmt, ParseFormat(format));
  std::unique_ptr<Tree> tree;
  if (!template_text.empty()) {
    VSECM_ASSIGN_OR_RETURN(tree, ParseTemplate(template_text, limits));
  }
  try {
    RenderArena arena(backend, limits.max_memory_bytes);
    std::pmr::memory_resource* mr = arena.resource();
    const std::string_view json_data = TrimSpace(value);

    // 1. The template, over the value when the value is a JSON object.
    std::string_view parsed = json_data;
    SecretStringPtr rendered;
    if (tree != nullptr) {
      JsonParseResult data = ParseJson(json_data, limits.max_depth, mr);
      if (data.status == JsonParseStatus::kTooDeep) return TooDeep("the value", limits);
      if (data.status == JsonParseStatus::kOk && IsObjectOrNull(*data.value)) {
        rendered = NewSecretString(mr);
        VSECM_RETURN_IF_ERROR(ExecuteTemplate(*tree, *data.value, limits, mr, *rendered));
        parsed = *rendered;
      }
    }

    // 2. The format.
    std::string_view result = parsed;
    SecretStringPtr yaml;
    if (fmt.base != BaseFormat::kRaw) {
      JsonParseResult check = ParseJson(parsed, limits.max_depth, mr);
      if (check.status == JsonParseStatus::kTooDeep) return TooDeep("the rendered value", limits);
      const bool is_json = check.status == JsonParseStatus::kOk && IsObjectOrNull(*check.value);
      if (fmt.base == BaseFormat::kJson) {
        result = is_json ? parsed : json_data;
      } else if (is_json) {
        yaml = NewSecretString(mr);
        // YAML of a large value is legitimately larger than the value itself.
        const size_t cap = std::max(limits.max_output_bytes, parsed.size() * 4);
        VSECM_RETURN_IF_ERROR(WriteYaml(*check.value, *yaml, cap));
        result = *yaml;
      }
    }

    // 3. Out, possibly base64-encoded.
    if (fmt.base64) {
      EmitBase64(result, output);
    } else if (!result.empty()) {
      output(result);
    }
    return Status::Ok();
  } catch (const StatusError& e) {
    return e.status();
  } catch (const std::bad_alloc&) {
    return ResourceExhausted("out of memory while rendering");
  }
}

}  // namespace vsecm::transform
