// example-base64-transform: serves each secret base64-encoded, optionally wrapped in a
// prefix, e.g. for workloads that read Kubernetes-style data fields.
//
// It shows everything a plugin author writes: a class deriving from an SDK base, its
// descriptor constants, a declared configuration key with an environment override, logging
// through the host, output into the kernel-owned sink, and one export macro.
#include <string>

#include "vsecm/sdk/plugin.hpp"

namespace {

class Base64Transform final : public vsecm::sdk::TransformPlugin {
 public:
  static constexpr const char* kName = "example-base64-transform";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription = "serves secrets base64-encoded (SDK example)";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;  // no mutable state
  static constexpr vsecm_config_field kConfig[] = {
      {"prefix", VSECM_CONFIG_STRING, 0, "", "EXAMPLE_BASE64_PREFIX",
       "text written before the encoded value"},
  };

  explicit Base64Transform(vsecm::sdk::Host host)
      : TransformPlugin(host), prefix_(host.ConfigString("prefix")) {
    host.Log(vsecm::sdk::LogLevel::kInfo, "ready; prefix is " + std::to_string(prefix_.size()) +
                                              " bytes");
  }

  vsecm::Status Apply(vsecm::sdk::ByteView value, std::string_view template_text,
                      std::string_view format, vsecm::sdk::Sink& out) override {
    if (!template_text.empty() || (!format.empty() && format != "raw")) {
      return vsecm::InvalidArgument("this transform takes no template and only the raw format");
    }
    out.Write(prefix_);
    // Encode straight into the sink: the encoded secret never sits in plugin-owned memory.
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    auto dst = out.Append(4 * ((value.size() + 2) / 3));
    size_t o = 0;
    for (size_t i = 0; i < value.size(); i += 3) {
      uint32_t n = uint32_t{value[i]} << 16;
      if (i + 1 < value.size()) n |= uint32_t{value[i + 1]} << 8;
      if (i + 2 < value.size()) n |= value[i + 2];
      dst[o++] = kAlphabet[(n >> 18) & 63];
      dst[o++] = kAlphabet[(n >> 12) & 63];
      dst[o++] = i + 1 < value.size() ? kAlphabet[(n >> 6) & 63] : '=';
      dst[o++] = i + 2 < value.size() ? kAlphabet[n & 63] : '=';
    }
    return vsecm::Status::Ok();
  }

 private:
  std::string prefix_;
};

}  // namespace

VSECM_DEFINE_PLUGIN(Base64Transform)
