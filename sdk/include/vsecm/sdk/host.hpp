// C++ views over what the kernel hands a plugin: the host services table, output sinks, and
// blocks of locked memory. Header-only; depends only on the C ABI and the standard library.
#ifndef VSECM_SDK_HOST_HPP_
#define VSECM_SDK_HOST_HPP_

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sdk {

using ByteView = std::span<const uint8_t>;

inline ByteView View(vsecm_bytes b) { return {b.data, b.len}; }
inline std::string_view AsText(vsecm_bytes b) {
  return {reinterpret_cast<const char*>(b.data), b.len};
}
inline vsecm_bytes ToC(ByteView v) { return {v.data(), v.size()}; }
inline vsecm_bytes ToC(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Where a plugin writes its output: memory the kernel owns. Append() throws StatusError
// (kResourceExhausted) when the kernel refuses, which the export trampoline reports.
class Sink {
 public:
  explicit Sink(vsecm_sink sink) : sink_(sink) {}

  // Room for n more bytes at the end of the output. Invalidates spans from earlier calls.
  std::span<uint8_t> Append(size_t n) {
    uint8_t* p = sink_.append(sink_.ctx_host, n);
    if (p == nullptr && n != 0) {
      throw StatusError(ResourceExhausted("the host refused " + std::to_string(n) +
                                          " bytes of output"));
    }
    return {p, n};
  }

  void Write(ByteView bytes) {
    if (bytes.empty()) return;
    std::memcpy(Append(bytes.size()).data(), bytes.data(), bytes.size());
  }
  void Write(std::string_view text) {
    Write(ByteView(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  }

 private:
  vsecm_sink sink_;
};

enum class LogLevel : int32_t {
  kDebug = VSECM_LOG_DEBUG,
  kInfo = VSECM_LOG_INFO,
  kWarn = VSECM_LOG_WARN,
  kError = VSECM_LOG_ERROR,
};

class Host;

// Locked, never-dumped memory from the kernel, wiped and returned on destruction. Move-only.
class SecureBlock {
 public:
  SecureBlock() = default;
  SecureBlock(const SecureBlock&) = delete;
  SecureBlock& operator=(const SecureBlock&) = delete;
  SecureBlock(SecureBlock&& o) noexcept { *this = std::move(o); }
  SecureBlock& operator=(SecureBlock&& o) noexcept {
    if (this != &o) {
      Reset();
      api_ = std::exchange(o.api_, nullptr);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~SecureBlock() { Reset(); }

  uint8_t* data() noexcept { return data_; }
  const uint8_t* data() const noexcept { return data_; }
  size_t size() const noexcept { return size_; }
  std::span<uint8_t> span() noexcept { return {data_, size_}; }
  std::span<const uint8_t> span() const noexcept { return {data_, size_}; }
  bool empty() const noexcept { return size_ == 0; }

 private:
  friend class Host;
  SecureBlock(const vsecm_host_api* api, uint8_t* data, size_t size)
      : api_(api), data_(data), size_(size) {}
  void Reset() noexcept {
    if (data_ != nullptr) api_->secure_free(api_->ctx_host, data_, size_);
    api_ = nullptr;
    data_ = nullptr;
    size_ = 0;
  }

  const vsecm_host_api* api_ = nullptr;
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// The kernel's services, as a plugin sees them. Cheap to copy; valid until the plugin instance
// is destroyed.
class Host {
 public:
  explicit Host(const vsecm_host_api* api) : api_(api) {}

  void Log(LogLevel level, std::string_view message) const {
    api_->log(api_->ctx_host, static_cast<int32_t>(level), message.data(), message.size());
  }

  // Fills `out` from the kernel's CSPRNG; throws StatusError when it fails.
  void Random(std::span<uint8_t> out) const {
    vsecm_status s = api_->random_bytes(api_->ctx_host, out.data(), out.size());
    if (s != VSECM_OK) throw StatusError(Internal("the host's random number generator failed"));
  }

  // Locked memory for key material kept between calls; throws StatusError when refused.
  SecureBlock SecureAlloc(size_t size) const {
    uint8_t* p = api_->secure_alloc(api_->ctx_host, size == 0 ? 1 : size);
    if (p == nullptr) throw StatusError(ResourceExhausted("the host refused secure memory"));
    return SecureBlock(api_, p, size == 0 ? 1 : size);
  }

  // The normalized text of a declared configuration key, or nullopt when unset.
  std::optional<std::string_view> Config(const char* key) const {
    vsecm_bytes out{nullptr, 0};
    if (api_->config_get(api_->ctx_host, key, &out) != VSECM_OK) return std::nullopt;
    return AsText(out);
  }

  std::string ConfigString(const char* key, std::string_view fallback = {}) const {
    auto v = Config(key);
    return std::string(v ? *v : fallback);
  }
  int64_t ConfigInt(const char* key, int64_t fallback = 0) const {
    auto v = Config(key);
    return v ? std::stoll(std::string(*v)) : fallback;  // the kernel has checked the type
  }
  bool ConfigBool(const char* key, bool fallback = false) const {
    auto v = Config(key);
    return v ? *v == "true" : fallback;
  }

  uint64_t NowUnixMs() const { return api_->now_unix_ms(api_->ctx_host); }

  const vsecm_host_api* raw() const noexcept { return api_; }

 private:
  const vsecm_host_api* api_;
};

}  // namespace vsecm::sdk

#endif  // VSECM_SDK_HOST_HPP_
