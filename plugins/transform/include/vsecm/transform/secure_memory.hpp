// Where everything derived from a secret lives while it is rendered: the parsed JSON value, the
// strings the template computes, the rendered text. All of it is allocated from one pool whose
// upstream is the host's locked, never-dumped memory (vsecm_host_api.secure_alloc), which the
// host wipes when it is returned. Nothing secret is put in an ordinary std::string or on the
// normal heap; strings are std::pmr::string objects that themselves live in the pool, so even
// their short-string buffers are secure memory.
#ifndef VSECM_TRANSFORM_SECURE_MEMORY_HPP_
#define VSECM_TRANSFORM_SECURE_MEMORY_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace vsecm::transform {

// How to obtain and release secure memory: the host's table, or a stand-in for tests.
struct SecureBackend {
  void* ctx = nullptr;
  uint8_t* (*alloc)(void* ctx, size_t len) = nullptr;
  void (*free)(void* ctx, uint8_t* ptr, size_t len) = nullptr;
};

// Ordinary heap memory that is wiped before it is freed: for unit tests and the fuzzer, where
// there is no host. Never used by the plugin.
SecureBackend WipingHeapBackend();

// A memory resource over a SecureBackend that refuses to hold more than `budget` bytes at once
// (throws vsecm::StatusError, kResourceExhausted, naming max_memory_bytes).
class BudgetedSecureResource final : public std::pmr::memory_resource {
 public:
  BudgetedSecureResource(SecureBackend backend, size_t budget) : backend_(backend), budget_(budget) {}
  size_t in_use() const noexcept { return in_use_; }

 private:
  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  // Blocks handed out at a stricter alignment than the backend's: where they really start.
  struct Block {
    uint8_t* aligned;
    uint8_t* base;
    size_t size;
  };

  SecureBackend backend_;
  size_t budget_;
  size_t in_use_ = 0;
  std::vector<Block> overaligned_;
};

// Small blocks carved from 4 KiB chunks of the upstream resource, recycled through one free
// list per size class (so a loop that makes temporaries does not grow); larger blocks go
// straight upstream. Chunks of 4 KiB are what the host's secure heap serves from its slabs,
// without a mapping of their own. Not thread-safe: one rendering uses it at a time.
class SecurePool final : public std::pmr::memory_resource {
 public:
  explicit SecurePool(std::pmr::memory_resource* upstream) : upstream_(upstream) {}
  ~SecurePool() override;
  SecurePool(const SecurePool&) = delete;
  SecurePool& operator=(const SecurePool&) = delete;

 private:
  static constexpr size_t kChunkBytes = 4096;
  static constexpr size_t kClasses = 8;  // 16, 32, 64, ..., 2048 bytes
  struct FreeBlock {
    FreeBlock* next;
  };

  void* do_allocate(size_t bytes, size_t alignment) override;
  void do_deallocate(void* p, size_t bytes, size_t alignment) override;
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }

  std::pmr::memory_resource* upstream_;
  std::vector<void*> chunks_;
  FreeBlock* free_[kClasses] = {};
  char* bump_ = nullptr;
  size_t bump_left_ = 0;
};

// The memory of one rendering. Destroying it returns (and so wipes) every block.
class RenderArena {
 public:
  RenderArena(SecureBackend backend, size_t budget);
  RenderArena(const RenderArena&) = delete;
  RenderArena& operator=(const RenderArena&) = delete;
  std::pmr::memory_resource* resource() noexcept { return &pool_; }

 private:
  BudgetedSecureResource upstream_;
  SecurePool pool_;
};

using SecretString = std::pmr::string;
using SecretStringPtr = std::shared_ptr<SecretString>;

// A new empty string whose object and characters are both in `mr`.
SecretStringPtr NewSecretString(std::pmr::memory_resource* mr);
SecretStringPtr NewSecretString(std::pmr::memory_resource* mr, std::string_view init);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_SECURE_MEMORY_HPP_
