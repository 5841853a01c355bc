// Heap memory that is wiped before it is returned to the allocator.
//
// HTTP bodies, headers and parsed JSON of the Kubernetes client may hold a bearer token, a root
// key or materialized plain text (base64 is not encryption). Every buffer they pass through
// uses WipingAllocator, so whatever a container frees or outgrows — including the old block on
// each reallocation — is overwritten first. The memory is not locked: values that are kept
// go into kernel::SecretBytes.
#ifndef VSECM_K8S_WIPING_HPP_
#define VSECM_K8S_WIPING_HPP_

#include <openssl/crypto.h>

#include <cstddef>
#include <memory>
#include <string>

namespace vsecm::k8s {

template <class T>
class WipingAllocator {
 public:
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <class U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)

  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    OPENSSL_cleanse(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <class U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

using WipingString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;

// Wipes the live contents of a string in place (its inline buffer included) and empties it.
inline void WipeString(WipingString& s) noexcept {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_WIPING_HPP_
