// Starts `vsecm-safe dev --dir DIR` (ports picked by the system), and measures how long it takes
// from the spawn until it listens and until readiness answers 200 (root key in place, every
// stored secret recovered), then its resident memory, then stops it with SIGTERM.
#ifndef VSECM_BENCH_COLD_START_MEASURE_HPP_
#define VSECM_BENCH_COLD_START_MEASURE_HPP_

#include <cstddef>
#include <string>

#include "vsecm/sdk/status.hpp"

namespace vsecm::bench {

struct MeasureOptions {
  std::string dir;
  std::string safe_binary;  // the vsecm-safe to run
  int timeout_s = 600;      // give up (and kill the Safe) after this long without readiness
  double settle_s = 2;      // wait after readiness before the second memory reading
};

struct MeasureResult {
  double listen_ms = 0;      // spawn → DIR/endpoints.json written (listeners up)
  double ready_ms = 0;       // spawn → readiness 200
  double recovery_ms = 0;    // the Safe's own vsecm_safe_recovery_seconds
  size_t secrets = 0;        // vsecm_safe_secrets once ready
  size_t recovery_failures = 0;
  long rss_kib = 0;          // VmRSS right at readiness
  long rss_settled_kib = 0;  // VmRSS `settle_s` later
  long hwm_kib = 0;          // VmHWM (peak RSS) after settling
  int exit_status = 0;       // after SIGTERM
};

StatusOr<MeasureResult> MeasureColdStart(const MeasureOptions& options);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_COLD_START_MEASURE_HPP_
