#include "vsecm/transform/secure_memory.hpp"

#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "vsecm/sdk/status.hpp"

namespace vsecm::transform {
namespace {

// Stops the compiler from eliding the wipe of memory that is about to be freed.
void WipeBytes(void* p, size_t n) {
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  for (size_t i = 0; i < n; ++i) v[i] = 0;
}

uint8_t* HeapAlloc(void*, size_t len) {
  return static_cast<uint8_t*>(std::aligned_alloc(16, (len + 15) / 16 * 16));
}
void HeapFree(void*, uint8_t* p, size_t len) {
  if (p == nullptr) return;
  WipeBytes(p, len);
  std::free(p);
}

}  // namespace

SecureBackend WipingHeapBackend() { return SecureBackend{nullptr, &HeapAlloc, &HeapFree}; }

void* BudgetedSecureResource::do_allocate(size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  // The host's blocks are 16-byte aligned; a pool asking for more gets an over-sized block.
  const size_t total = alignment > 16 ? bytes + alignment : bytes;
  if (total > budget_ - in_use_ || in_use_ > budget_) {
    throw StatusError(ResourceExhausted("rendering needs more than max_memory_bytes (" +
                                        std::to_string(budget_) + ") of secure memory"));
  }
  uint8_t* p = backend_.alloc(backend_.ctx, total);
  if (p == nullptr) throw StatusError(ResourceExhausted("the host refused secure memory"));
  in_use_ += total;
  if (alignment <= 16) return p;
  auto addr = reinterpret_cast<uintptr_t>(p);
  uint8_t* aligned = p + ((alignment - addr % alignment) % alignment);
  overaligned_.push_back(Block{aligned, p, total});
  return aligned;
}

void BudgetedSecureResource::do_deallocate(void* p, size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  auto* ptr = static_cast<uint8_t*>(p);
  size_t total = bytes;
  if (alignment > 16) {
    for (size_t i = 0; i < overaligned_.size(); ++i) {
      if (overaligned_[i].aligned == ptr) {
        ptr = overaligned_[i].base;
        total = overaligned_[i].size;
        overaligned_[i] = overaligned_.back();
        overaligned_.pop_back();
        break;
      }
    }
  }
  backend_.free(backend_.ctx, ptr, total);
  in_use_ -= total;
}

namespace {

// Size class of a small block: 0 for up to 16 bytes, 1 for 32, ... 7 for 2048.
size_t ClassOf(size_t bytes) {
  size_t cls = 0;
  while ((size_t{16} << cls) < bytes) ++cls;
  return cls;
}

}  // namespace

SecurePool::~SecurePool() {
  for (void* chunk : chunks_) upstream_->deallocate(chunk, kChunkBytes, 16);
}

void* SecurePool::do_allocate(size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  const size_t cls = ClassOf(bytes);
  if (alignment > 16 || cls >= kClasses) return upstream_->allocate(bytes, alignment);
  if (FreeBlock* b = free_[cls]) {
    free_[cls] = b->next;
    return b;
  }
  const size_t size = size_t{16} << cls;
  if (bump_left_ < size) {
    // The tail of the old chunk goes to the free lists it fits, largest first.
    while (bump_left_ >= 16) {
      size_t c = ClassOf(bump_left_ + 1) - 1;
      if ((size_t{16} << c) > bump_left_) --c;
      auto* b = reinterpret_cast<FreeBlock*>(bump_);
      b->next = free_[c];
      free_[c] = b;
      bump_ += size_t{16} << c;
      bump_left_ -= size_t{16} << c;
    }
    chunks_.reserve(chunks_.size() + 1);
    bump_ = static_cast<char*>(upstream_->allocate(kChunkBytes, 16));
    chunks_.push_back(bump_);
    bump_left_ = kChunkBytes;
  }
  void* p = bump_;
  bump_ += size;
  bump_left_ -= size;
  return p;
}

void SecurePool::do_deallocate(void* p, size_t bytes, size_t alignment) {
  if (bytes == 0) bytes = 1;
  const size_t cls = ClassOf(bytes);
  if (alignment > 16 || cls >= kClasses) {
    upstream_->deallocate(p, bytes, alignment);
    return;
  }
  auto* b = static_cast<FreeBlock*>(p);
  b->next = free_[cls];
  free_[cls] = b;
}

RenderArena::RenderArena(SecureBackend backend, size_t budget) : upstream_(backend, budget), pool_(&upstream_) {}

SecretStringPtr NewSecretString(std::pmr::memory_resource* mr) {
  std::pmr::polymorphic_allocator<SecretString> alloc(mr);
  return std::allocate_shared<SecretString>(alloc);
}

SecretStringPtr NewSecretString(std::pmr::memory_resource* mr, std::string_view init) {
  auto s = NewSecretString(mr);
  s->assign(init);
  return s;
}

}  // namespace vsecm::transform
