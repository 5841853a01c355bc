// vsecm_cold_start (a benchmark, not a test): fills a `vsecm-safe dev` directory with stored
// secrets and measures the Safe's start-up on it. bench/run_cold_start.sh drives it.
//   vsecm_cold_start populate --dir DIR --count N [--first K] [--value-bytes 100] [--batch 100]
//                             [--threads T] [--plugin-dir P]
//   vsecm_cold_start measure --dir DIR [--safe BIN] [--timeout S] [--settle S]
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include <fmt/format.h>

#include "measure.hpp"
#include "populate.hpp"

namespace {

constexpr const char* kUsage =
    "usage: vsecm_cold_start populate --dir DIR --count N [--first K] [--value-bytes B]\n"
    "                                 [--batch W] [--threads T] [--plugin-dir P]\n"
    "       vsecm_cold_start measure --dir DIR [--safe BIN] [--timeout S] [--settle S]\n"
    "populate: the Safe must not be running on DIR; records are cold-0000000, cold-0000001, ...\n"
    "measure: starts BIN dev --dir DIR, times listening and readiness, reads VmRSS, stops it.\n";

// Beside this binary: BUILD/bin/vsecm-safe and BUILD/lib/vsecm/plugins.
std::filesystem::path BinaryDir() {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::current_path() : exe.parent_path();
}

bool ParseSize(const std::string& text, size_t& out) {
  char* end = nullptr;
  unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v > 100'000'000ULL) return false;
  out = static_cast<size_t>(v);
  return true;
}

int Usage(const std::string& why) {
  fmt::print(stderr, "vsecm_cold_start: {}\n{}", why, kUsage);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vsecm::bench;
  if (argc < 2) return Usage("a command is required");
  const std::string command = argv[1];
  PopulateOptions populate;
  populate.plugin_dir = (BinaryDir().parent_path() / "lib" / "vsecm" / "plugins").string();
  populate.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  MeasureOptions measure;
  measure.safe_binary = (BinaryDir() / "vsecm-safe").string();
  for (int i = 2; i < argc; i += 2) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return Usage(arg + ": missing value");
    const std::string value = argv[i + 1];
    size_t n = 0;
    bool numeric = ParseSize(value, n);
    if (arg == "--dir") {
      populate.dir = measure.dir = std::filesystem::absolute(value).string();
    } else if (arg == "--count" && numeric && n > 0) {
      populate.count = n;
    } else if (arg == "--first" && numeric) {
      populate.first = n;
    } else if (arg == "--value-bytes" && numeric && n > 0 && n <= 65536) {
      populate.value_bytes = n;
    } else if (arg == "--batch" && numeric && n > 0 && n <= 10000) {
      populate.batch = n;
    } else if (arg == "--threads" && numeric && n > 0 && n <= 64) {
      populate.threads = static_cast<int>(n);
    } else if (arg == "--plugin-dir") {
      populate.plugin_dir = value;
    } else if (arg == "--safe") {
      measure.safe_binary = value;
    } else if (arg == "--timeout" && numeric && n > 0 && n <= 3600) {
      measure.timeout_s = static_cast<int>(n);
    } else if (arg == "--settle" && numeric && n <= 60) {
      measure.settle_s = static_cast<double>(n);
    } else {
      return Usage(fmt::format("bad option or value: {} {}", arg, value.substr(0, 40)));
    }
  }
  if (populate.dir.empty()) return Usage("--dir is required");

  if (command == "populate") {
    if (populate.count == 0) return Usage("--count is required");
    if (populate.first + populate.count > 10'000'000) return Usage("at most 10,000,000 records");
    vsecm::Status s = Populate(populate);
    if (!s.ok()) {
      fmt::print(stderr, "vsecm_cold_start: {}\n", s.ToString());
      return 1;
    }
    return 0;
  }
  if (command == "measure") {
    auto r = MeasureColdStart(measure);
    if (!r.ok()) {
      fmt::print(stderr, "vsecm_cold_start: {}\n", r.status().ToString());
      return 1;
    }
    fmt::print("RESULT measure secrets={} listen_ms={:.1f} ready_ms={:.1f} recovery_ms={:.1f} "
               "rss_mib={:.1f} rss_settled_mib={:.1f} hwm_mib={:.1f} failures={} exit={}\n",
               r->secrets, r->listen_ms, r->ready_ms, r->recovery_ms, r->rss_kib / 1024.0,
               r->rss_settled_kib / 1024.0, r->hwm_kib / 1024.0, r->recovery_failures,
               r->exit_status);
    return 0;
  }
  return Usage(fmt::format("unknown command \"{}\"", command.substr(0, 40)));
}
