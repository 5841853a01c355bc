// HTTP bodies that live only in secure memory. Upserts carry secret values in and workload
// reads carry them out, so neither may pass through Beast's ordinary std::string bodies, which
// would leave unwiped copies on the heap. The connection's read buffer uses SecureAllocator too.
#ifndef VSECM_APPS_SAFE_SECRET_BODY_HPP_
#define VSECM_APPS_SAFE_SECRET_BODY_HPP_

#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/optional.hpp>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::safe {

// A standard allocator over the kernel's secure memory: locked, never dumped, wiped on free.
template <class T>
struct SecureAllocator {
  using value_type = T;
  SecureAllocator() noexcept = default;
  template <class U>
  SecureAllocator(const SecureAllocator<U>&) noexcept {}  // NOLINT(google-explicit-constructor)
  T* allocate(size_t n) {
    auto* p = kernel::SecureAlloc(n * sizeof(T));
    if (p == nullptr) throw std::bad_alloc();
    return reinterpret_cast<T*>(p);
  }
  void deallocate(T* p, size_t n) noexcept {
    kernel::SecureFree(reinterpret_cast<uint8_t*>(p), n * sizeof(T));
  }
  friend bool operator==(const SecureAllocator&, const SecureAllocator&) { return true; }
  friend bool operator!=(const SecureAllocator&, const SecureAllocator&) { return false; }
};

using SecureFlatBuffer = boost::beast::basic_flat_buffer<SecureAllocator<char>>;

// A Beast Body whose value is a kernel::SecretBytes.
struct SecretBody {
  using value_type = kernel::SecretBytes;

  static std::uint64_t size(const value_type& body) { return body.size(); }

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>&, boost::beast::error_code& ec) { ec = {}; }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      size_t n = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer b = *it;
        try {
          builder_.Append({static_cast<const uint8_t*>(b.data()), b.size()});
        } catch (const std::bad_alloc&) {
          ec = boost::beast::http::error::buffer_overflow;
          return n;
        }
        n += b.size();
      }
      ec = {};
      return n;
    }

    void finish(boost::beast::error_code& ec) {
      body_ = builder_.Take();
      ec = {};
    }

   private:
    value_type& body_;
    kernel::SecretBuilder builder_;
  };

  class writer {
   public:
    using const_buffers_type = boost::asio::const_buffer;

    template <bool isRequest, class Fields>
    writer(const boost::beast::http::header<isRequest, Fields>&, const value_type& body)
        : body_(body) {}

    void init(boost::beast::error_code& ec) { ec = {}; }

    boost::optional<std::pair<const_buffers_type, bool>> get(boost::beast::error_code& ec) {
      ec = {};
      if (done_) return boost::none;
      done_ = true;
      auto bytes = body_.Expose();
      return std::make_pair(const_buffers_type(bytes.data(), bytes.size()), false);
    }

   private:
    const value_type& body_;
    bool done_ = false;
  };
};

// Beast 1.74 speaks boost::string_view; the rest of the code speaks std::string_view.
inline std::string_view StdView(boost::beast::string_view v) { return {v.data(), v.size()}; }

using Request = boost::beast::http::request<SecretBody>;
using Response = boost::beast::http::response<SecretBody>;

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SECRET_BODY_HPP_
