#include "latency_stats.hpp"

#include <algorithm>
#include <cmath>

namespace vsecm::bench {
namespace {

// Nearest rank: the smallest sample with at least p of all samples at or below it.
double PercentileMs(const std::vector<uint64_t>& sorted, double p) {
  size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  size_t index = rank == 0 ? 0 : std::min(rank - 1, sorted.size() - 1);
  return static_cast<double>(sorted[index]) / 1e6;
}

}  // namespace

LatencySummary Summarize(const std::vector<ConnectionStats>& stats) {
  std::vector<uint64_t> all;
  size_t total = 0;
  for (const auto& s : stats) total += s.latency_ns.size();
  all.reserve(total);
  for (const auto& s : stats) all.insert(all.end(), s.latency_ns.begin(), s.latency_ns.end());
  LatencySummary summary;
  summary.count = all.size();
  if (all.empty()) return summary;
  std::sort(all.begin(), all.end());
  long double sum = 0;
  for (uint64_t v : all) sum += v;
  summary.mean_ms = static_cast<double>(sum / all.size() / 1e6L);
  summary.p50_ms = PercentileMs(all, 0.50);
  summary.p90_ms = PercentileMs(all, 0.90);
  summary.p99_ms = PercentileMs(all, 0.99);
  summary.p999_ms = PercentileMs(all, 0.999);
  summary.max_ms = static_cast<double>(all.back()) / 1e6;
  return summary;
}

}  // namespace vsecm::bench
