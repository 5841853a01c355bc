// Command line of vsecm_safe_load, the mutual-TLS load generator. Every setting is bounded so a
// run always stops by itself: loopback targets only, at most 600 s, a cap on requests.
#ifndef VSECM_BENCH_SAFE_LOAD_LOAD_OPTIONS_HPP_
#define VSECM_BENCH_SAFE_LOAD_LOAD_OPTIONS_HPP_

#include <chrono>
#include <cstdint>
#include <string>

#include "vsecm/sdk/status.hpp"

namespace vsecm::bench {

enum class LoadMode {
  kKeepAlive,       // N connections, each issuing GETs back to back
  kNewConnections,  // C loops of connect + full mTLS handshake + one GET + close
};

struct LoadOptions {
  LoadMode mode = LoadMode::kKeepAlive;
  std::string label = "target";  // names the server in the RESULT line
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string path = "/workload/v1/secrets";
  std::string cert_file, key_file, ca_file;  // the client's SVID and the trust bundle
  int connections = 0;                       // 0: 64 keep-alive, 8 new-connection loops
  int threads = 0;                           // 0: one per core
  std::chrono::milliseconds duration{10'000};
  std::chrono::milliseconds warmup{1'000};
  std::chrono::milliseconds io_timeout{5'000};  // per connect, handshake, write or read
  uint64_t max_requests = 50'000'000;           // across all connections, warm-up included
  int expect_status = 200;
};

inline constexpr const char* kLoadUsage = R"(usage: vsecm_safe_load --port P (--svid-dir DIR | --cert F --key F --ca F) [options]

Mutual-TLS (TLS 1.3) load against a loopback HTTPS server, presenting a client certificate.
  --mode keepalive|newconn   keep-alive GETs (default) or one GET per new connection
  --host ADDR                loopback address (default 127.0.0.1; others are refused)
  --port P                   target port
  --path PATH                request path (default /workload/v1/secrets)
  --svid-dir DIR             DIR/svid.pem, DIR/svid_key.pem, DIR/svid_bundle.pem
  --cert F --key F --ca F    client certificate chain, its key, the server's trust bundle
  --connections N            keep-alive connections (64) or concurrent new-connection loops (8)
  --threads T                client I/O threads (default: one per core)
  --duration S               measured seconds (10, at most 600)
  --warmup S                 seconds run before measuring (1, at most 60)
  --timeout S                per-operation timeout (5)
  --max-requests N           stop after N requests in all (50000000)
  --expect-status CODE       the answer counted as a success (200)
  --label NAME               the server's name in the RESULT line
Prints a summary and one machine-readable line:
  RESULT label=.. mode=.. rate=.. p50_ms=.. p99_ms=.. errors=.. count=.. body_bytes=..
)";

StatusOr<LoadOptions> ParseLoadOptions(int argc, char** argv);

}  // namespace vsecm::bench

#endif  // VSECM_BENCH_SAFE_LOAD_LOAD_OPTIONS_HPP_
