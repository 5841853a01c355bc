// Secure memory: a slab allocator over locked, never-dumped pages.
//
// Small blocks (up to 4 KiB) are carved from 1 MiB chunks in power-of-two size classes, so a
// million small secrets cost about their own size rather than a page each. Larger blocks get
// their own mapping. Callers pass the block size back on free (as SecretBytes and the C ABI
// do), so blocks carry no header. Chunks are never returned to the system: a long-running Safe
// reuses them, and unmapping would leave nothing to wipe anyway.
#include "vsecm/kernel/secure_memory.hpp"

#include <string.h>

#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <unordered_set>
#include <new>
#include <vector>

#include <openssl/crypto.h>

#include "vsecm/kernel/log.hpp"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace vsecm::kernel {
namespace {

// memcpy and its kind move data through the SSE/AVX registers, and the last bytes a thread
// copied stay there until something overwrites them: in the register state a core file (or a
// debugger) saves with each thread. So a thread that wipes a secret clears them as well. All
// vector registers are caller-saved in the x86-64 ABI; clearing them costs a few instructions.
#if defined(__x86_64__)
// "vpxord %reg,%reg,%reg" for registers 16-31 of width `w` ("ymm" or "zmm").
#define VSECM_ZERO(w, n) "vpxord %%" w #n ",%%" w #n ",%%" w #n "\n\t"
#define VSECM_ZERO_HIGH(w)                                                                    \
  VSECM_ZERO(w, 16) VSECM_ZERO(w, 17) VSECM_ZERO(w, 18) VSECM_ZERO(w, 19) VSECM_ZERO(w, 20)  \
  VSECM_ZERO(w, 21) VSECM_ZERO(w, 22) VSECM_ZERO(w, 23) VSECM_ZERO(w, 24) VSECM_ZERO(w, 25)  \
  VSECM_ZERO(w, 26) VSECM_ZERO(w, 27) VSECM_ZERO(w, 28) VSECM_ZERO(w, 29) VSECM_ZERO(w, 30)  \
  VSECM_ZERO(w, 31)
#define VSECM_HIGH_CLOBBERS                                                                   \
  "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23", "xmm24", "xmm25",  \
  "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31"

// Registers 16-31 exist with AVX-512 only; glibc's EVEX memcpy prefers them. The 256-bit form
// (AVX512VL) zero-extends to 512 bits without a 512-bit instruction.
__attribute__((target("avx512f,avx512vl"))) void ClearHighRegistersVl() {
  asm volatile(VSECM_ZERO_HIGH("ymm") ::: VSECM_HIGH_CLOBBERS);
}
__attribute__((target("avx512f"))) void ClearHighRegisters() {
  asm volatile(VSECM_ZERO_HIGH("zmm") ::: VSECM_HIGH_CLOBBERS);
}
__attribute__((target("avx"))) void ClearAvxRegisters() { _mm256_zeroall(); }
void ClearSseRegisters() {
  asm volatile(
      "pxor %%xmm0,%%xmm0\n\tpxor %%xmm1,%%xmm1\n\tpxor %%xmm2,%%xmm2\n\tpxor %%xmm3,%%xmm3\n\t"
      "pxor %%xmm4,%%xmm4\n\tpxor %%xmm5,%%xmm5\n\tpxor %%xmm6,%%xmm6\n\tpxor %%xmm7,%%xmm7\n\t"
      "pxor %%xmm8,%%xmm8\n\tpxor %%xmm9,%%xmm9\n\tpxor %%xmm10,%%xmm10\n\tpxor %%xmm11,%%xmm11\n\t"
      "pxor %%xmm12,%%xmm12\n\tpxor %%xmm13,%%xmm13\n\tpxor %%xmm14,%%xmm14\n\tpxor %%xmm15,%%xmm15"
      ::: "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
          "xmm11", "xmm12", "xmm13", "xmm14", "xmm15");
}

void ClearVectorRegisters() noexcept {
  enum Level { kSse, kAvx, kAvx512, kAvx512Vl };
  static const Level level = [] {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512vl")) return kAvx512Vl;
    if (__builtin_cpu_supports("avx512f")) return kAvx512;
    return __builtin_cpu_supports("avx") ? kAvx : kSse;
  }();
  if (level == kAvx512Vl) ClearHighRegistersVl();
  if (level == kAvx512) ClearHighRegisters();
  if (level == kSse) {
    ClearSseRegisters();
  } else {
    ClearAvxRegisters();  // vzeroall: registers 0-15, all of their bits
  }
}
#else
void ClearVectorRegisters() noexcept {}
#endif

constexpr size_t kMinClassShift = 4;   // 16 bytes
constexpr size_t kMaxClassShift = 12;  // 4 KiB
constexpr size_t kClassCount = kMaxClassShift - kMinClassShift + 1;
constexpr size_t kChunkSize = size_t{1} << 20;

size_t PageSize() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Index of the smallest class that holds `size` bytes.
size_t ClassOf(size_t size) {
  size_t shift = kMinClassShift;
  while ((size_t{1} << shift) < size) ++shift;
  return shift - kMinClassShift;
}

struct FreeBlock {
  FreeBlock* next;
};

class SecureHeap {
 public:
  uint8_t* Allocate(size_t size) {
    if (size == 0) size = 1;
    std::lock_guard lock(mutex_);
    uint8_t* p = size > (size_t{1} << kMaxClassShift) ? MapLarge(size) : TakeSmall(ClassOf(size));
    if (p != nullptr) stats_.bytes_in_use += size;
    return p;
  }

  void Free(uint8_t* p, size_t size) {
    if (p == nullptr) return;
    if (size == 0) size = 1;
    const bool large = size > (size_t{1} << kMaxClassShift);
    const size_t block = large ? RoundUp(size, PageSize()) : size_t{1} << (ClassOf(size) + kMinClassShift);
    Wipe(p, block);
    {
      std::lock_guard observer_lock(observer_mutex_);
      if (observer_) observer_(std::span<const uint8_t>(p, block));
    }
    std::lock_guard lock(mutex_);
    stats_.bytes_in_use -= std::min(stats_.bytes_in_use, size);
    if (large) {
      munmap(p, block);
      stats_.bytes_mapped -= block;
      if (unlocked_large_.erase(p) != 0) stats_.bytes_unlocked -= block;
      return;
    }
    auto* node = reinterpret_cast<FreeBlock*>(p);
    size_t cls = ClassOf(size);
    node->next = free_[cls];
    free_[cls] = node;
  }

  SecureMemoryStats Stats() {
    std::lock_guard lock(mutex_);
    return stats_;
  }

  void SetObserver(std::function<void(std::span<const uint8_t>)> observer) {
    std::lock_guard lock(observer_mutex_);
    observer_ = std::move(observer);
  }

 private:
  // Maps, locks and excludes from core dumps `bytes` of fresh memory. `*locked` says whether
  // mlock took.
  uint8_t* MapProtected(size_t bytes, bool* locked) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) return nullptr;
    // Without MADV_DONTDUMP a core dump would carry every secret; refuse such memory.
    if (madvise(p, bytes, MADV_DONTDUMP) != 0) {
      munmap(p, bytes);
      return nullptr;
    }
    *locked = mlock(p, bytes) == 0;
    if (!*locked) stats_.bytes_unlocked += bytes;
    if (!*locked && stats_.locked) {
      stats_.locked = false;
      LogWarning("secure-memory",
                 "mlock was refused ({}); secrets may be swapped to disk. Raise RLIMIT_MEMLOCK "
                 "or grant CAP_IPC_LOCK to keep them in RAM",
                 strerror(errno));
    }
    stats_.bytes_mapped += bytes;
    return static_cast<uint8_t*>(p);
  }

  uint8_t* MapLarge(size_t size) {
    bool locked = true;
    uint8_t* p = MapProtected(RoundUp(size, PageSize()), &locked);
    if (p != nullptr && !locked) unlocked_large_.insert(p);
    return p;
  }

  uint8_t* TakeSmall(size_t cls) {
    if (free_[cls] == nullptr && !Refill(cls)) return nullptr;
    FreeBlock* node = free_[cls];
    free_[cls] = node->next;
    node->next = nullptr;  // the block must come back all zero
    return reinterpret_cast<uint8_t*>(node);
  }

  // Carves one more chunk into blocks of class `cls`.
  bool Refill(size_t cls) {
    bool locked = true;  // chunks are never unmapped: an unlocked one stays counted
    uint8_t* chunk = MapProtected(kChunkSize, &locked);
    if (chunk == nullptr) return false;
    const size_t block = size_t{1} << (cls + kMinClassShift);
    for (size_t off = kChunkSize; off >= block; off -= block) {
      auto* node = reinterpret_cast<FreeBlock*>(chunk + off - block);
      node->next = free_[cls];
      free_[cls] = node;
    }
    return true;
  }

  std::mutex mutex_;
  std::array<FreeBlock*, kClassCount> free_{};
  SecureMemoryStats stats_;
  std::unordered_set<const void*> unlocked_large_;  // large blocks mlock refused
  std::mutex observer_mutex_;
  std::function<void(std::span<const uint8_t>)> observer_;
};

// Never destroyed: secrets held by static objects may be freed during exit.
SecureHeap& Heap() {
  static SecureHeap* heap = new SecureHeap();
  return *heap;
}

}  // namespace

uint8_t* SecureAlloc(size_t size) noexcept { return Heap().Allocate(size); }
void SecureFree(uint8_t* ptr, size_t size) noexcept { Heap().Free(ptr, size); }
void Wipe(void* ptr, size_t size) noexcept {
  if (ptr == nullptr || size == 0) return;
  OPENSSL_cleanse(ptr, size);
  ClearVectorRegisters();
}
SecureMemoryStats GetSecureMemoryStats() noexcept { return Heap().Stats(); }
void SetReleaseObserverForTesting(std::function<void(std::span<const uint8_t>)> observer) {
  Heap().SetObserver(std::move(observer));
}

// ---- SecretBytes

SecretBytes::SecretBytes(size_t size) : size_(size) {
  if (size == 0) return;
  data_ = SecureAlloc(size);
  if (data_ == nullptr) throw std::bad_alloc();
}

SecretBytes SecretBytes::CopyOf(std::span<const uint8_t> bytes) {
  SecretBytes s(bytes.size());
  if (!bytes.empty()) std::memcpy(s.data_, bytes.data(), bytes.size());
  return s;
}

SecretBytes SecretBytes::CopyOf(std::string_view text) {
  return CopyOf(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Reset();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

bool SecretBytes::Equals(std::span<const uint8_t> other) const noexcept {
  if (other.size() != size_) return false;
  return size_ == 0 || CRYPTO_memcmp(data_, other.data(), size_) == 0;
}

void SecretBytes::Reset() noexcept {
  SecureFree(data_, size_);
  data_ = nullptr;
  size_ = 0;
}

// ---- SecretBuilder

vsecm_sink SecretBuilder::sink() noexcept {
  return vsecm_sink{sizeof(vsecm_sink), this, &SecretBuilder::AppendThunk};
}

uint8_t* SecretBuilder::AppendThunk(void* self, size_t len) noexcept {
  return static_cast<SecretBuilder*>(self)->Grow(len);
}

uint8_t* SecretBuilder::Grow(size_t len) noexcept {
  if (len > limit_ || used_ > limit_ - len) return nullptr;
  const size_t needed = used_ + len;
  if (needed > buffer_.size()) {
    size_t capacity = std::max({needed, buffer_.size() * 2, size_t{64}});
    capacity = std::min(capacity, std::max(limit_, needed));
    uint8_t* fresh = SecureAlloc(capacity);
    if (fresh == nullptr) return nullptr;
    if (used_ != 0) std::memcpy(fresh, buffer_.Expose().data(), used_);
    buffer_ = SecretBytes(fresh, capacity);  // wipes and frees the old block
  }
  uint8_t* out = buffer_.Mutable().data() + used_;
  used_ = needed;
  return out;
}

void SecretBuilder::Append(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return;
  uint8_t* p = Grow(bytes.size());
  if (p == nullptr) throw std::bad_alloc();
  std::memcpy(p, bytes.data(), bytes.size());
}

SecretBytes SecretBuilder::Take() {
  SecretBytes exact = SecretBytes::CopyOf(buffer_.Expose().first(used_));
  buffer_.Reset();
  used_ = 0;
  return exact;
}

}  // namespace vsecm::kernel
