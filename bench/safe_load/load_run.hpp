// One bounded load run: spawns the connections (or new-connection loops) on a small
// io_context thread pool, measures after the warm-up, and stops by itself at the deadline, at
// the request cap, or — if the server stops answering — when the watchdog fires.
#ifndef VSECM_BENCH_SAFE_LOAD_LOAD_RUN_HPP_
#define VSECM_BENCH_SAFE_LOAD_LOAD_RUN_HPP_

#include <cstdint>
#include <string>

#include "latency_stats.hpp"
#include "load_options.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::bench {

struct LoadReport {
  LatencySummary latency;   // requests completed in the measured window
  double rate = 0;          // those requests (keep-alive) or connections (newconn) per second
  double measured_s = 0;
  uint64_t errors = 0;
  uint64_t reconnects = 0;
  uint64_t body_bytes = 0;  // size of a successful response body
  int threads = 0;
  bool watchdog_fired = false;
  std::string first_error;
};

StatusOr<LoadReport> RunLoad(const LoadOptions& options);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_SAFE_LOAD_LOAD_RUN_HPP_
