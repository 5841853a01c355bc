// vsecm_safe_load: mutual-TLS load against a loopback HTTPS server (the Safe, or nginx with
// ssl_verify_client on), in keep-alive or new-connection mode. Not a test: bench/run_safe_load.sh
// runs it against both servers and prints the ratios.
#include <cstdio>
#include <string>

#include <fmt/format.h>

#include "load_options.hpp"
#include "load_run.hpp"

int main(int argc, char** argv) {
  using namespace vsecm::bench;
  if (argc == 2 && (std::string(argv[1]) == "-h" || std::string(argv[1]) == "--help")) {
    std::fputs(kLoadUsage, stdout);
    return 0;
  }
  auto options = ParseLoadOptions(argc, argv);
  if (!options.ok()) {
    fmt::print(stderr, "vsecm_safe_load: {}\n{}", options.status().message(), kLoadUsage);
    return 2;
  }
  const bool keep_alive = options->mode == LoadMode::kKeepAlive;
  fmt::print("{}: {} https://{}:{}{} with {} {}, {} client threads, {:.1f} s after {:.1f} s warm-up\n",
             options->label, keep_alive ? "keep-alive GETs" : "new connections (one GET each)",
             options->host, options->port, options->path, options->connections,
             keep_alive ? "connections" : "concurrent loops", options->threads,
             options->duration.count() / 1000.0, options->warmup.count() / 1000.0);
  std::fflush(stdout);
  auto report = RunLoad(*options);
  if (!report.ok()) {
    fmt::print(stderr, "vsecm_safe_load: {}\n", report.status().message());
    return 1;
  }
  const auto& l = report->latency;
  fmt::print("  {} {} in {:.2f} s: {:.1f} {}/s; errors {}, server-closed reconnects {}, body {} bytes\n",
             l.count, keep_alive ? "requests" : "connections", report->measured_s, report->rate,
             keep_alive ? "req" : "conn", report->errors, report->reconnects, report->body_bytes);
  fmt::print("  latency ms: p50 {:.3f}  p90 {:.3f}  p99 {:.3f}  p99.9 {:.3f}  max {:.3f}  mean {:.3f}\n",
             l.p50_ms, l.p90_ms, l.p99_ms, l.p999_ms, l.max_ms, l.mean_ms);
  if (!report->first_error.empty()) fmt::print("  first error: {}\n", report->first_error);
  if (report->watchdog_fired) fmt::print("  the watchdog stopped a run that outlived its deadline\n");
  fmt::print("RESULT label={} mode={} rate={:.1f} p50_ms={:.3f} p99_ms={:.3f} errors={} count={} "
             "body_bytes={} threads={}\n",
             options->label, keep_alive ? "keepalive" : "newconn", report->rate, l.p50_ms, l.p99_ms,
             report->errors, l.count, report->body_bytes, report->threads);
  return l.count == 0 ? 1 : 0;
}
