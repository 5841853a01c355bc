#include "metrics.hpp"

#include <fmt/format.h>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::safe {

namespace {

// Labels come from fixed sets: a label taken from the request would let any client add a
// series per distinct value, and grow /metrics without bound.
constexpr std::array<std::string_view, 9> kMethods = {"GET",     "HEAD",  "POST",   "PUT",  "DELETE",
                                                      "CONNECT", "OPTIONS", "TRACE", "PATCH"};
constexpr std::array<std::string_view, 4> kRoutes = {"/sentinel/v1/keystone", "/sentinel/v1/secrets",
                                                     "/sentinel/v1/keys", "/workload/v1/secrets"};

std::string_view MethodLabel(std::string_view method) {
  for (std::string_view m : kMethods) {
    if (m == method) return m;
  }
  return "other";
}

std::string_view RouteLabel(std::string_view route) {
  for (std::string_view r : kRoutes) {
    if (r == route) return r;
  }
  return "unknown";
}

// HTTP status codes are three digits; anything else would be a label of our own making.
unsigned StatusLabel(unsigned status) { return status >= 100 && status <= 599 ? status : 0; }

}  // namespace

void Metrics::ObserveRequest(std::string_view method_text, std::string_view route_text,
                             unsigned status, std::chrono::nanoseconds duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  const std::string method(MethodLabel(method_text));
  const std::string route(RouteLabel(route_text));
  std::lock_guard lock(mutex_);
  ++requests_[{method, route, StatusLabel(status)}];
  Histogram& h = latency_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++h.counts[i];
  }
  ++h.count;
  h.sum += seconds;
}

void Metrics::SetRecovery(std::chrono::milliseconds took, size_t loaded, size_t failed) {
  std::lock_guard lock(mutex_);
  recovery_seconds_ = std::chrono::duration<double>(took).count();
  recovered_ = loaded;
  recovery_failures_ = failed;
}

void Metrics::SetSecretsHeldSource(std::function<size_t()> source) {
  std::lock_guard lock(mutex_);
  secrets_held_ = std::move(source);
}

// Kept apart from the request families above: the connection limits' own numbers.
void Metrics::RenderConnectionHardening(std::string& out) const {
  auto family = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  family("vsecm_safe_tls_handshakes_pending", "gauge",
         "Accepted connections whose TLS handshake has not completed.");
  out += fmt::format("vsecm_safe_tls_handshakes_pending {}\n", handshakes_pending_.load());
  family("vsecm_safe_tls_handshakes_refused_total", "counter",
         "Connections closed at accept: too many pending handshakes, in all or from one source.");
  out += fmt::format("vsecm_safe_tls_handshakes_refused_total{{reason=\"budget\"}} {}\n",
                     handshakes_refused_[0].load());
  out += fmt::format("vsecm_safe_tls_handshakes_refused_total{{reason=\"per_source\"}} {}\n",
                     handshakes_refused_[1].load());
  family("vsecm_safe_request_body_bytes", "gauge",
         "Locked memory lent to request bodies being read (VSECM_SAFE_BODY_MEMORY_LIMIT).");
  out += fmt::format("vsecm_safe_request_body_bytes {}\n", body_bytes_reserved_.load());
  family("vsecm_safe_request_bodies_refused_total", "counter",
         "Requests answered 503 because request bodies in flight filled their memory budget.");
  out += fmt::format("vsecm_safe_request_bodies_refused_total {}\n", bodies_refused_.load());
  family("vsecm_safe_connections_closed_total", "counter",
         "Keep-alive connections closed by the Safe: the client certificate expired or no longer "
         "verifies (certificate), or the connection reached its maximum age (max_age).");
  out += fmt::format("vsecm_safe_connections_closed_total{{reason=\"certificate\"}} {}\n",
                     connections_ended_[0].load());
  out += fmt::format("vsecm_safe_connections_closed_total{{reason=\"max_age\"}} {}\n",
                     connections_ended_[1].load());
}

std::string Metrics::Render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  auto family = [&](const char* name, const char* type, const char* help) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
  };
  family("vsecm_safe_requests_total", "counter", "API requests by method, route and status.");
  for (const auto& [key, n] : requests_) {
    const auto& [method, route, status] = key;
    out += fmt::format("vsecm_safe_requests_total{{method=\"{}\",route=\"{}\",code=\"{}\"}} {}\n",
                       method, route, status, n);
  }
  family("vsecm_safe_request_duration_seconds", "histogram", "API request latency.");
  for (const auto& [route, h] : latency_) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += fmt::format("vsecm_safe_request_duration_seconds_bucket{{route=\"{}\",le=\"{}\"}} {}\n",
                         route, kBuckets[i], h.counts[i]);
    }
    out += fmt::format("vsecm_safe_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {}\n",
                       route, h.count);
    out += fmt::format("vsecm_safe_request_duration_seconds_sum{{route=\"{}\"}} {}\n", route, h.sum);
    out += fmt::format("vsecm_safe_request_duration_seconds_count{{route=\"{}\"}} {}\n", route,
                       h.count);
  }
  family("vsecm_safe_secrets", "gauge", "Secrets held in memory.");
  out += fmt::format("vsecm_safe_secrets {}\n", secrets_held_ ? secrets_held_() : 0);
  family("vsecm_safe_store_errors_total", "counter", "Store plugin operations that failed.");
  out += fmt::format("vsecm_safe_store_errors_total {}\n", store_errors_.load());
  family("vsecm_safe_recovery_seconds", "gauge", "How long the last recovery from the store took.");
  out += fmt::format("vsecm_safe_recovery_seconds {}\n", recovery_seconds_);
  family("vsecm_safe_recovered_secrets", "gauge", "Secrets loaded by the last recovery.");
  out += fmt::format("vsecm_safe_recovered_secrets {}\n", recovered_);
  family("vsecm_safe_recovery_failures", "gauge", "Records the last recovery could not load.");
  out += fmt::format("vsecm_safe_recovery_failures {}\n", recovery_failures_);
  family("vsecm_safe_connections_active", "gauge", "Open API connections.");
  out += fmt::format("vsecm_safe_connections_active {}\n", connections_active_.load());
  family("vsecm_safe_connections_total", "counter", "API connections accepted.");
  out += fmt::format("vsecm_safe_connections_total {}\n", connections_total_.load());
  family("vsecm_safe_connections_refused_total", "counter",
         "Connections refused because the connection limit was reached.");
  out += fmt::format("vsecm_safe_connections_refused_total {}\n", connections_refused_.load());
  family("vsecm_safe_tls_handshake_failures_total", "counter",
         "TLS handshakes that failed (no or bad client certificate included).");
  out += fmt::format("vsecm_safe_tls_handshake_failures_total {}\n", handshake_failures_.load());
  const kernel::SecureMemoryStats memory = kernel::GetSecureMemoryStats();
  family("vsecm_safe_secure_memory_bytes", "gauge", "Bytes of secure (secret) memory mapped.");
  out += fmt::format("vsecm_safe_secure_memory_bytes {}\n", memory.bytes_mapped);
  family("vsecm_safe_secure_memory_unlocked_bytes", "gauge",
         "Bytes of secure memory that mlock refused to lock in RAM (may be swapped to disk).");
  out += fmt::format("vsecm_safe_secure_memory_unlocked_bytes {}\n", memory.bytes_unlocked);
  RenderConnectionHardening(out);
  family("vsecm_safe_ready", "gauge", "1 once the root key is in place and recovery is done.");
  out += fmt::format("vsecm_safe_ready {}\n", ready_.load() ? 1 : 0);
  return out;
}

}  // namespace vsecm::safe
