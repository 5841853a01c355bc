// Secret bytes that live only in locked memory: never swapped (mlock), never in a core dump
// (MADV_DONTDUMP), wiped when freed, move-only, and impossible to print by accident.
//
// Small secrets come from a slab of locked pages shared by all secrets (one mmap per secret
// would cost a page each: 4 GiB for a million 100-byte secrets); large ones get pages of their
// own. If the kernel refuses mlock (RLIMIT_MEMLOCK in a container without IPC_LOCK), memory is
// still excluded from dumps and wiped, and one warning says so.
#ifndef VSECM_KERNEL_SECURE_MEMORY_HPP_
#define VSECM_KERNEL_SECURE_MEMORY_HPP_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <span>
#include <string_view>
#include <utility>

#include "vsecm/abi/vsecm_plugin.h"

namespace vsecm::kernel {

// Raw secure allocation, for the host services table and for SecretBytes. Returns nullptr on
// failure. SecureFree wipes `size` bytes before releasing them.
uint8_t* SecureAlloc(size_t size) noexcept;
void SecureFree(uint8_t* ptr, size_t size) noexcept;

// Overwrites memory in a way the compiler cannot optimize away.
void Wipe(void* ptr, size_t size) noexcept;

struct SecureMemoryStats {
  size_t bytes_in_use = 0;   // requested bytes currently allocated
  size_t bytes_mapped = 0;   // pages mapped for secure memory
  size_t bytes_unlocked = 0; // of bytes_mapped, those mlock refused (may be swapped out)
  bool locked = true;        // false once mlock has been refused
};
SecureMemoryStats GetSecureMemoryStats() noexcept;

// Test hook: called with the bytes of every secure block after they are wiped and before they
// are released, so a test can read back that they are zero.
void SetReleaseObserverForTesting(std::function<void(std::span<const uint8_t>)> observer);

// A secret: a fixed-size block of secure memory. Move-only; copy with Clone(); read with
// Expose(). There is no operator<< and no fmt formatter, so it cannot be logged.
class SecretBytes {
 public:
  SecretBytes() noexcept = default;
  // Zero-filled secret of `size` bytes; throws std::bad_alloc when no memory can be had.
  explicit SecretBytes(size_t size);
  static SecretBytes CopyOf(std::span<const uint8_t> bytes);
  static SecretBytes CopyOf(std::string_view text);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  SecretBytes(SecretBytes&& other) noexcept { *this = std::move(other); }
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  ~SecretBytes() { Reset(); }

  SecretBytes Clone() const { return CopyOf(Expose()); }

  std::span<const uint8_t> Expose() const noexcept { return {data_, size_}; }
  std::string_view ExposeText() const noexcept {
    return {reinterpret_cast<const char*>(data_), size_};
  }
  std::span<uint8_t> Mutable() noexcept { return {data_, size_}; }

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  // Constant-time comparison of contents.
  bool Equals(std::span<const uint8_t> other) const noexcept;

  void Reset() noexcept;

 private:
  friend class SecretBuilder;
  // Takes ownership of a block from SecureAlloc.
  SecretBytes(uint8_t* data, size_t size) noexcept : data_(data), size_(size) {}

  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Deleted so that `std::cout << secret` and friends do not compile.
std::ostream& operator<<(std::ostream&, const SecretBytes&) = delete;

// Collects a plugin's output into secure memory through a vsecm_sink, growing as needed (each
// growth copies into a new block and wipes the old one). Take() hands over what was written;
// whatever was not taken is wiped on destruction, so a failed call leaves no plain text behind.
class SecretBuilder {
 public:
  // `limit`: the most bytes this builder accepts; append beyond it returns NULL to the plugin.
  explicit SecretBuilder(size_t limit = kDefaultLimit) : limit_(limit) {}
  SecretBuilder(const SecretBuilder&) = delete;
  SecretBuilder& operator=(const SecretBuilder&) = delete;

  static constexpr size_t kDefaultLimit = size_t{64} << 20;  // 64 MiB

  vsecm_sink sink() noexcept;
  void Append(std::span<const uint8_t> bytes);  // throws std::bad_alloc past the limit

  size_t size() const noexcept { return used_; }
  SecretBytes Take();  // exactly the bytes written; the builder is empty afterwards

 private:
  static uint8_t* AppendThunk(void* self, size_t len) noexcept;
  uint8_t* Grow(size_t len) noexcept;

  SecretBytes buffer_;
  size_t used_ = 0;
  size_t limit_;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_SECURE_MEMORY_HPP_
