// Runs fn(i) for every i in [0, count) on up to `threads` threads (the caller's included) and
// returns when all are done. Work is handed out one index at a time, so uneven items (a large
// record, a slow disk read) do not leave threads idle. `fn` must not throw.
#ifndef VSECM_KERNEL_PARALLEL_FOR_HPP_
#define VSECM_KERNEL_PARALLEL_FOR_HPP_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace vsecm::kernel::internal {

template <class Fn>
void ParallelFor(size_t count, size_t threads, Fn&& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) fn(i);
  };
  std::vector<std::thread> helpers;
  const size_t extra = std::min(threads, count) > 1 ? std::min(threads, count) - 1 : 0;
  helpers.reserve(extra);
  for (size_t t = 0; t < extra; ++t) {
    try {
      helpers.emplace_back(work);
    } catch (const std::system_error&) {
      break;  // no more threads: the ones started (and this one) finish the work
    }
  }
  work();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace vsecm::kernel::internal

#endif  // VSECM_KERNEL_PARALLEL_FOR_HPP_
