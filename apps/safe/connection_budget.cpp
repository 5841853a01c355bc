#include "connection_budget.hpp"

#include <algorithm>

namespace vsecm::safe {

HandshakeBudget::SourceKey HandshakeBudget::KeyOf(const boost::asio::ip::address& source) {
  SourceKey key{};
  if (source.is_v4()) {
    // The same key as its IPv4-mapped form, so a dual-stack listener counts a client once.
    return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, source.to_v4()).to_bytes();
  }
  key = source.to_v6().to_bytes();
  if (!source.to_v6().is_v4_mapped()) std::fill(key.begin() + 8, key.end(), 0);
  return key;
}

HandshakeBudget::Verdict HandshakeBudget::TryAdmit(const boost::asio::ip::address& source) {
  const SourceKey key = KeyOf(source);
  std::lock_guard lock(mutex_);
  if (pending_ >= max_pending_) return Verdict::kBudgetFull;
  auto it = by_source_.find(key);
  if (it != by_source_.end() && it->second >= max_per_source_) return Verdict::kSourceFull;
  if (it == by_source_.end()) it = by_source_.emplace(key, 0).first;
  ++it->second;
  peak_ = std::max(peak_, ++pending_);
  return Verdict::kAdmitted;
}

bool HandshakeBudget::Release(const boost::asio::ip::address& source) {
  const SourceKey key = KeyOf(source);
  std::lock_guard lock(mutex_);
  auto it = by_source_.find(key);
  if (it != by_source_.end() && --it->second == 0) by_source_.erase(it);
  if (pending_ > 0) --pending_;
  if (pending_ != 0 || peak_ < kBurst) return false;
  peak_ = 0;
  return true;
}

size_t HandshakeBudget::pending() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

bool BodyBudget::TryReserve(size_t bytes) {
  size_t used = in_use_.load();
  do {
    if (bytes > limit_ || used > limit_ - bytes) return false;
  } while (!in_use_.compare_exchange_weak(used, used + bytes));
  return true;
}

// Callers give back exactly what they took.
void BodyBudget::Release(size_t bytes) { in_use_.fetch_sub(bytes); }

}  // namespace vsecm::safe
