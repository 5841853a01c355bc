#include "vsecm/kernel/plugin_instance.hpp"

#include <array>
#include <chrono>

#include <fmt/format.h>
#include <openssl/rand.h>

#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::kernel {
namespace {

constexpr size_t kMaxPluginMessage = 512;

std::string Sanitize(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxPluginMessage)) {
    auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

}  // namespace

// What the host services table's ctx_host points at: one per instance.
struct PluginInstance::HostContext {
  std::string component;  // "plugin vsecm-store-fs"
  PluginSettings settings;
  vsecm_host_api api{};

  static HostContext& From(void* ctx) { return *static_cast<HostContext*>(ctx); }

  static void Log(void* ctx, int32_t level, const char* msg, size_t len) {
    LogLevel l = level <= VSECM_LOG_DEBUG  ? LogLevel::kDebug
                 : level == VSECM_LOG_INFO ? LogLevel::kInfo
                 : level == VSECM_LOG_WARN ? LogLevel::kWarn
                                           : LogLevel::kError;
    if (msg == nullptr) return;
    WriteLog(l, From(ctx).component, std::string_view(msg, std::min(len, size_t{4096})));
  }
  static vsecm_status RandomBytes(void*, uint8_t* buf, size_t len) {
    if (len == 0) return VSECM_OK;
    if (buf == nullptr || len > INT32_MAX) return VSECM_INVALID_ARGUMENT;
    return RAND_priv_bytes(buf, static_cast<int>(len)) == 1 ? VSECM_OK : VSECM_INTERNAL;
  }
  static uint8_t* Alloc(void*, size_t len) { return SecureAlloc(len); }
  static void Free(void*, uint8_t* p, size_t len) { SecureFree(p, len); }
  static vsecm_status ConfigGet(void* ctx, const char* key, vsecm_bytes* out) {
    if (key == nullptr || out == nullptr) return VSECM_INVALID_ARGUMENT;
    const auto& settings = From(ctx).settings;
    auto it = settings.find(key);
    if (it == settings.end()) return VSECM_NOT_FOUND;
    *out = vsecm_bytes{reinterpret_cast<const uint8_t*>(it->second.data()), it->second.size()};
    return VSECM_OK;
  }
  static uint64_t NowUnixMs(void*) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }
};

Status PluginStatus(std::string_view plugin, std::string_view operation, vsecm_status code,
                    std::string_view message) {
  std::string text = fmt::format("{}: {}", plugin, operation);
  if (!message.empty()) text += ": " + Sanitize(message);
  return Status(StatusCodeFromC(code), std::move(text));
}

StatusOr<std::unique_ptr<PluginInstance>> PluginInstance::Create(
    std::shared_ptr<PluginLibrary> library, PluginSettings settings) {
  std::unique_ptr<PluginInstance> self(new PluginInstance());
  self->library_ = std::move(library);
  self->serialize_ = (self->library_->descriptor().flags & VSECM_PLUGIN_FLAG_THREAD_SAFE) == 0;
  self->host_ = std::make_unique<HostContext>();
  HostContext& host = *self->host_;
  host.component = fmt::format("plugin {}", self->library_->name());
  host.settings = std::move(settings);
  host.api.struct_size = sizeof(vsecm_host_api);
  host.api.abi_major = VSECM_ABI_VERSION_MAJOR;
  host.api.abi_minor = VSECM_ABI_VERSION_MINOR;
  host.api.ctx_host = &host;
  host.api.log = &HostContext::Log;
  host.api.random_bytes = &HostContext::RandomBytes;
  host.api.secure_alloc = &HostContext::Alloc;
  host.api.secure_free = &HostContext::Free;
  host.api.config_get = &HostContext::ConfigGet;
  host.api.now_unix_ms = &HostContext::NowUnixMs;

  std::array<char, kMaxPluginMessage> message{};
  vsecm_error err{message.data(), static_cast<uint32_t>(message.size()), 0};
  void* instance = nullptr;
  vsecm_status s = self->library_->descriptor().create(&host.api, &instance, &err);
  if (s != VSECM_OK || instance == nullptr) {
    return PluginStatus(self->library_->name(), "create",
                        s == VSECM_OK ? VSECM_INTERNAL : s,
                        s == VSECM_OK ? "returned no instance" : std::string_view(message.data(), err.len));
  }
  self->instance_ = instance;
  return self;
}

PluginInstance::~PluginInstance() {
  if (instance_ != nullptr) library_->descriptor().destroy(instance_);
  // host_ and then library_ are released after this body: the code outlives the instance.
}

Status PluginInstance::Call(std::string_view operation,
                            const std::function<vsecm_status(void*, vsecm_error*)>& fn) {
  std::array<char, kMaxPluginMessage> message{};
  vsecm_error err{message.data(), static_cast<uint32_t>(message.size()), 0};
  vsecm_status s;
  if (serialize_) {
    std::lock_guard lock(call_mutex_);
    s = fn(instance_, &err);
  } else {
    s = fn(instance_, &err);
  }
  if (s == VSECM_OK) return Status::Ok();
  uint32_t len = std::min<uint32_t>(err.len, message.size() - 1);
  return PluginStatus(name(), operation, s, std::string_view(message.data(), len));
}

}  // namespace vsecm::kernel
