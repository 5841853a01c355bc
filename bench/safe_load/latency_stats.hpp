// Exact latency percentiles from every recorded sample (no histogram buckets): each connection
// records into its own preallocated vector, merged once the run is over.
#ifndef VSECM_BENCH_SAFE_LOAD_LATENCY_STATS_HPP_
#define VSECM_BENCH_SAFE_LOAD_LATENCY_STATS_HPP_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vsecm::bench {

// What one connection (or new-connection loop) saw.
struct ConnectionStats {
  // Samples reserved up front so recording never allocates in the measured window unless a
  // connection outruns it (then the vector grows, which is still correct, only slower).
  static constexpr size_t kReservedSamples = 32768;

  std::vector<uint64_t> latency_ns;  // requests completed inside the measured window
  uint64_t errors = 0;               // failed connects, handshakes, I/O, unexpected statuses
  uint64_t reconnects = 0;           // keep-alive connections the server closed cleanly
  uint64_t body_bytes = 0;           // size of the last successful response body
  std::string first_error;
};

struct LatencySummary {
  size_t count = 0;
  double mean_ms = 0, p50_ms = 0, p90_ms = 0, p99_ms = 0, p999_ms = 0, max_ms = 0;
};

// Merges the samples of every connection and computes nearest-rank percentiles.
LatencySummary Summarize(const std::vector<ConnectionStats>& stats);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_SAFE_LOAD_LATENCY_STATS_HPP_
