// FakeHost: the kernel's services table (vsecm_host_api) without the kernel, so a plugin can be
// unit-tested with GoogleTest alone. Configuration comes from an in-memory map, random bytes
// from getrandom(2), secure memory from mlock'ed, wiped pages, and log lines are captured for
// assertions.
//
//   vsecm::sdk::testing::FakeHost host({{"path", "/tmp/x"}});
//   void* instance = nullptr;
//   descriptor->create(host.api(), &instance, &err);
//   EXPECT_TRUE(host.Logged(VSECM_LOG_WARN, "corrupt"));
//
// The configuration map is fixed at construction: config_get hands out pointers into it, which
// the ABI promises stay valid until destroy. Unlike the kernel, FakeHost does not read the
// environment variables a plugin declares (tests stay deterministic); StoreHarness fills in the
// declared defaults.
#ifndef VSECM_SDK_TESTING_FAKE_HOST_HPP_
#define VSECM_SDK_TESTING_FAKE_HOST_HPP_

#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/abi/vsecm_plugin.h"

namespace vsecm::sdk::testing {

struct LogLine {
  int32_t level;
  std::string text;
};

class FakeHost {
 public:
  explicit FakeHost(std::map<std::string, std::string> config = {}) : config_(std::move(config)) {
    api_.struct_size = sizeof(vsecm_host_api);
    api_.abi_major = VSECM_ABI_VERSION_MAJOR;
    api_.abi_minor = VSECM_ABI_VERSION_MINOR;
    api_.ctx_host = this;
    api_.log = &LogFn;
    api_.random_bytes = &RandomFn;
    api_.secure_alloc = &SecureAllocFn;
    api_.secure_free = &SecureFreeFn;
    api_.config_get = &ConfigGetFn;
    api_.now_unix_ms = &NowFn;
    echo_ = std::getenv("VSECM_FAKE_HOST_ECHO_LOGS") != nullptr;
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  const vsecm_host_api* api() const noexcept { return &api_; }
  const std::map<std::string, std::string>& config() const noexcept { return config_; }

  std::vector<LogLine> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  // True when some line at `level` or above contains `needle`.
  bool Logged(int32_t level, std::string_view needle) const {
    std::lock_guard lock(mutex_);
    for (const LogLine& l : logs_) {
      if (l.level >= level && l.text.find(needle) != std::string::npos) return true;
    }
    return false;
  }
  void ClearLogs() {
    std::lock_guard lock(mutex_);
    logs_.clear();
  }

  // Secure blocks the plugin still holds; a plugin must return all of them before destroy ends.
  size_t live_secure_blocks() const noexcept { return live_blocks_.load(); }
  // Number of secure_free calls whose length differed from the allocation's, or whose pointer
  // was never allocated here.
  size_t secure_free_mismatches() const noexcept { return free_mismatches_.load(); }

  // Makes random_bytes fail, to test a plugin's error path.
  void set_random_fails(bool fails) noexcept { random_fails_ = fails; }

 private:
  static FakeHost* Self(void* ctx) { return static_cast<FakeHost*>(ctx); }

  static void LogFn(void* ctx, int32_t level, const char* msg, size_t len) {
    FakeHost* self = Self(ctx);
    std::string text(msg, len);
    if (self->echo_) std::fprintf(stderr, "[plugin log %d] %s\n", level, text.c_str());
    std::lock_guard lock(self->mutex_);
    self->logs_.push_back({level, std::move(text)});
  }

  static vsecm_status RandomFn(void* ctx, uint8_t* buf, size_t len) {
    if (Self(ctx)->random_fails_) return VSECM_INTERNAL;
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::getrandom(buf + done, len - done, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        return VSECM_INTERNAL;
      }
      done += static_cast<size_t>(n);
    }
    return VSECM_OK;
  }

  // Whole pages, locked when the process may lock memory (best effort: containers often may
  // not), excluded from core dumps, wiped before release.
  static uint8_t* SecureAllocFn(void* ctx, size_t len) {
    if (len == 0) return nullptr;
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t mapped = (len + page - 1) / page * page;
    void* p = ::mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    (void)::mlock(p, mapped);
    (void)::madvise(p, mapped, MADV_DONTDUMP);
    FakeHost* self = Self(ctx);
    std::lock_guard lock(self->mutex_);
    self->blocks_[p] = len;
    ++self->live_blocks_;
    return static_cast<uint8_t*>(p);
  }

  static void SecureFreeFn(void* ctx, uint8_t* ptr, size_t len) {
    if (ptr == nullptr) return;
    FakeHost* self = Self(ctx);
    {
      std::lock_guard lock(self->mutex_);
      auto it = self->blocks_.find(ptr);
      if (it == self->blocks_.end()) {
        ++self->free_mismatches_;
        return;  // not ours: leave it alone rather than unmap something else
      }
      if (it->second != len) ++self->free_mismatches_;
      len = it->second;
      self->blocks_.erase(it);
      --self->live_blocks_;
    }
    const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t mapped = (len + page - 1) / page * page;
    ::explicit_bzero(ptr, mapped);
    (void)::munlock(ptr, mapped);
    ::munmap(ptr, mapped);
  }

  static vsecm_status ConfigGetFn(void* ctx, const char* key, vsecm_bytes* out) {
    const auto& config = Self(ctx)->config_;
    auto it = config.find(key == nullptr ? "" : key);
    if (it == config.end()) return VSECM_NOT_FOUND;
    out->data = reinterpret_cast<const uint8_t*>(it->second.data());
    out->len = it->second.size();
    return VSECM_OK;
  }

  static uint64_t NowFn(void*) {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  }

  vsecm_host_api api_{};
  const std::map<std::string, std::string> config_;
  bool echo_ = false;
  std::atomic<bool> random_fails_{false};
  mutable std::mutex mutex_;
  std::vector<LogLine> logs_;        // guarded by mutex_
  std::map<void*, size_t> blocks_;   // guarded by mutex_
  std::atomic<size_t> live_blocks_{0};
  std::atomic<size_t> free_mismatches_{0};
};

}  // namespace vsecm::sdk::testing

#endif  // VSECM_SDK_TESTING_FAKE_HOST_HPP_
