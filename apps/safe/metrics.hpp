// The Safe's metrics, rendered in Prometheus' text exposition format. Thread-safe; updating a
// metric takes one short lock, and rendering copies nothing but numbers.
#ifndef VSECM_APPS_SAFE_METRICS_HPP_
#define VSECM_APPS_SAFE_METRICS_HPP_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

namespace vsecm::safe {

class Metrics {
 public:
  // One finished API request: its method and route, HTTP status and how long it took. Methods
  // outside HTTP's nine are counted as "other" and routes outside the API's four as "unknown",
  // so the number of series is bounded whatever clients send.
  void ObserveRequest(std::string_view method, std::string_view route, unsigned status,
                      std::chrono::nanoseconds duration);
  void ConnectionOpened() { ++connections_active_; ++connections_total_; }
  void ConnectionClosed() { --connections_active_; }
  void ConnectionRefused() { ++connections_refused_; }
  void HandshakeFailed() { ++handshake_failures_; }
  // Connection hardening: handshakes waiting for their client, those refused at accept (over
  // the pending budget or the per-source cap), request bodies refused for the locked memory
  // budget and the bytes that budget has lent out, connections closed because the client
  // certificate expired (or no longer verifies) or the connection reached its maximum age.
  enum class HandshakeRefusal { kBudget, kPerSource };
  enum class ConnectionEnd { kCertificate, kMaxAge };
  void HandshakePending(int delta) { handshakes_pending_ += delta; }
  void HandshakeRefused(HandshakeRefusal why) { ++handshakes_refused_[static_cast<int>(why)]; }
  void BodyRefused() { ++bodies_refused_; }
  void BodyBytesReserved(int64_t delta) { body_bytes_reserved_ += delta; }
  void ConnectionEnded(ConnectionEnd why) { ++connections_ended_[static_cast<int>(why)]; }
  void StoreError() { ++store_errors_; }
  void SetRecovery(std::chrono::milliseconds took, size_t loaded, size_t failed);
  void SetReady(bool ready) { ready_ = ready; }

  // Numbers read at render time (the registry's size).
  void SetSecretsHeldSource(std::function<size_t()> source);

  std::string Render() const;

 private:
  // Histogram buckets in seconds, from 0.5 ms to 5 s.
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  void RenderConnectionHardening(std::string& out) const;

  struct Histogram {
    std::array<uint64_t, kBuckets.size()> counts{};
    uint64_t count = 0;
    double sum = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::tuple<std::string, std::string, unsigned>, uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::function<size_t()> secrets_held_;
  double recovery_seconds_ = 0;
  size_t recovered_ = 0, recovery_failures_ = 0;

  std::atomic<int64_t> connections_active_{0};
  std::atomic<uint64_t> connections_total_{0}, connections_refused_{0}, handshake_failures_{0},
      store_errors_{0};
  std::atomic<bool> ready_{false};
  std::atomic<int64_t> handshakes_pending_{0}, body_bytes_reserved_{0};
  std::array<std::atomic<uint64_t>, 2> handshakes_refused_{}, connections_ended_{};
  std::atomic<uint64_t> bodies_refused_{0};
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_METRICS_HPP_
