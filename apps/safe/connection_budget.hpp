// What the API listener lends out so that no client, authenticated or not, can take what the
// others need:
//  - handshake slots: connections still in their TLS handshake have a budget of their own
//    (apart from the authenticated connections' limit) and a smaller cap per source address,
//    so a flood of connections that never finish a handshake cannot lock workloads out;
//  - locked memory for request bodies: every body is read into secure (mlocked) memory, so the
//    bodies being read at one time share one budget, and a body that does not fit is refused
//    before any of it is read.
// Both are thread-safe: the acceptor takes slots, sessions on any I/O thread give them back.
#ifndef VSECM_APPS_SAFE_CONNECTION_BUDGET_HPP_
#define VSECM_APPS_SAFE_CONNECTION_BUDGET_HPP_

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

#include <boost/asio/ip/address.hpp>

namespace vsecm::safe {

class HandshakeBudget {
 public:
  enum class Verdict { kAdmitted, kBudgetFull, kSourceFull };

  HandshakeBudget(size_t max_pending, size_t max_per_source)
      : max_pending_(max_pending), max_per_source_(max_per_source) {}

  Verdict TryAdmit(const boost::asio::ip::address& source);
  // Gives the slot back. True when this emptied the budget after a burst (at least
  // kBurst pending at once since the last time): the moment to hand memory back to the system.
  bool Release(const boost::asio::ip::address& source);

  size_t pending() const;

  static constexpr size_t kBurst = 64;

 private:
  // IPv4 addresses (also written as IPv4-mapped IPv6) one by one; IPv6 by /64, the block one
  // host is usually given.
  using SourceKey = std::array<unsigned char, 16>;
  static SourceKey KeyOf(const boost::asio::ip::address& source);

  const size_t max_pending_, max_per_source_;
  mutable std::mutex mutex_;
  size_t pending_ = 0;
  size_t peak_ = 0;  // the most pending at once since the budget was last empty after a burst
  std::map<SourceKey, size_t> by_source_;  // sources with a pending handshake only
};

class BodyBudget {
 public:
  explicit BodyBudget(size_t bytes) : limit_(bytes) {}
  // Takes `bytes` if they fit in what is left.
  bool TryReserve(size_t bytes);
  void Release(size_t bytes);
  size_t limit() const { return limit_; }
  size_t in_use() const { return in_use_.load(); }

 private:
  const size_t limit_;
  std::atomic<size_t> in_use_{0};
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_CONNECTION_BUDGET_HPP_
