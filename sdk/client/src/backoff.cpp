#include "vsecm/client/backoff.hpp"

#include <algorithm>
#include <charconv>
#include <random>
#include <string>

namespace vsecm::client {
namespace {

// Go's strconv.ParseInt(p, 10, 32) on the value, or the default when it fails or is negative.
int64_t ReadInt(const kernel::EnvLookup& env, const char* name, int64_t fallback) {
  if (!env) return fallback;
  std::optional<std::string> text = env(name);
  if (!text || text->empty()) return fallback;
  int64_t value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  if (*begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || value < 0 || value > INT32_MAX) return fallback;
  return value;
}

}  // namespace

BackoffPolicy BackoffPolicy::FromEnvironment(const kernel::EnvLookup& env) {
  BackoffPolicy p;
  p.delay = std::chrono::milliseconds(ReadInt(env, "VSECM_BACKOFF_DELAY", 1000));
  p.max_retries = static_cast<int>(ReadInt(env, "VSECM_BACKOFF_MAX_RETRIES", 10));
  p.max_wait = std::chrono::milliseconds(ReadInt(env, "VSECM_BACKOFF_MAX_WAIT", 30000));
  std::string mode = env ? env("VSECM_BACKOFF_MODE").value_or("") : "";
  mode.erase(0, mode.find_first_not_of(" \t\r\n"));
  mode.erase(mode.find_last_not_of(" \t\r\n") + 1);
  p.mode = mode.empty() || mode == "exponential" ? BackoffMode::kExponential : BackoffMode::kLinear;
  return p;
}

Backoff::Backoff(BackoffPolicy policy, uint64_t jitter_seed) : policy_(policy) {
  state_ = jitter_seed != 0 ? jitter_seed : std::random_device{}() | (uint64_t{1} << 63);
}

std::optional<std::chrono::milliseconds> Backoff::Next() {
  if (retries_ >= policy_.max_retries) return std::nullopt;
  const int64_t delay = policy_.delay.count();
  int64_t wait = delay;
  if (policy_.mode == BackoffMode::kExponential) {
    // delay * 2^retries; delay < 2^31, so a shift below 31 cannot overflow.
    wait = retries_ >= 31 ? INT64_MAX / 4 : delay << retries_;
  }
  if (delay > 0) {
    state_ ^= state_ << 13;  // xorshift: jitter only spreads clients out, it guards nothing
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    wait += static_cast<int64_t>(state_ % static_cast<uint64_t>(delay));
  }
  wait = std::min(wait, policy_.max_wait.count());
  ++retries_;
  return std::chrono::milliseconds(std::max<int64_t>(wait, 0));
}

}  // namespace vsecm::client
