// libs/secure-http: HTTP messages whose bodies live only in secure memory. MAY HOLD PLAIN TEXT (in
// kernel::SecretBytes only). Used by the Safe's server and by the workload client.
//
// HTTP bodies that live only in secure memory. Upserts carry secret values in and workload
// reads carry them out, so neither may pass through Beast's ordinary std::string bodies, which
// would leave unwiped copies on the heap. The connection's read buffer uses SecureAllocator too.
#ifndef VSECM_SECURE_HTTP_SECRET_BODY_HPP_
#define VSECM_SECURE_HTTP_SECRET_BODY_HPP_

#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <utility>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/optional.hpp>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::secure_http {

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

  // A body of known length (Content-Length) goes straight into one block of exactly that
  // size: the listener's body budget counts those bytes, and nothing is copied on the way. A
  // chunked body collects in a SecretBuilder, which grows by doubling.
  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(boost::beast::http::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<std::uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (!length || *length == 0) return;
      try {
        exact_ = kernel::SecretBytes(static_cast<size_t>(*length));
      } catch (const std::bad_alloc&) {
        ec = boost::beast::http::error::buffer_overflow;
      }
    }

    template <class ConstBufferSequence>
    std::size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      size_t n = 0;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::const_buffer b = *it;
        if (b.size() == 0) continue;
        if (!exact_.empty()) {
          // Beast never hands over more than Content-Length.
          if (b.size() > exact_.size() - used_) {
            ec = boost::beast::http::error::buffer_overflow;
            return n;
          }
          std::memcpy(exact_.Mutable().data() + used_, b.data(), b.size());
          used_ += b.size();
          n += b.size();
          continue;
        }
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
      if (!exact_.empty()) {
        body_ = used_ == exact_.size() ? std::move(exact_)
                                       : kernel::SecretBytes::CopyOf(exact_.Expose().first(used_));
      } else {
        body_ = builder_.Take();
      }
      ec = {};
    }

   private:
    value_type& body_;
    kernel::SecretBytes exact_;
    size_t used_ = 0;
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

// The whole message, header and body, serialized into one block of secure memory of exactly its
// size (the message must be prepared: prepare_payload). Write it as that single buffer: handed
// a sequence of several buffers (Beast's header, then the body), asio's ssl::stream copies up to
// 8 KiB of them into an array on the writing thread's stack before SSL_write, and Beast's
// ssl_stream coalesces small buffers into an ordinary heap buffer; neither copy is ever wiped,
// so the plain text of every answer (or upsert) would stay behind. One buffer goes through as is.
template <bool isRequest, class Fields>
kernel::SecretBytes SerializeToSecret(
    boost::beast::http::message<isRequest, SecretBody, Fields>& message) {
  // Two passes over the same message: one to measure, one to copy. SecretBody's writer and the
  // fields' writer cannot fail.
  auto serialize = [&message](auto&& take) {
    boost::beast::http::serializer<isRequest, SecretBody, Fields> serializer(message);
    boost::beast::error_code ec;
    while (!ec && !serializer.is_done()) {
      size_t taken = 0;
      serializer.next(ec, [&](boost::beast::error_code& visit_ec, const auto& buffers) {
        visit_ec = {};
        for (boost::asio::const_buffer b : boost::beast::buffers_range_ref(buffers)) {
          take(b);
          taken += b.size();
        }
      });
      if (!ec) serializer.consume(taken);
    }
  };
  size_t size = 0;
  serialize([&size](boost::asio::const_buffer b) { size += b.size(); });
  kernel::SecretBytes wire(size);
  uint8_t* out = wire.Mutable().data();
  serialize([&out](boost::asio::const_buffer b) {
    if (b.size() != 0) std::memcpy(out, b.data(), b.size());
    out += b.size();
  });
  return wire;
}

}  // namespace vsecm::secure_http

#endif  // VSECM_SECURE_HTTP_SECRET_BODY_HPP_
