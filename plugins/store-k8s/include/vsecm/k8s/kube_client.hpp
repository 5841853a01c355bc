// One Kubernetes API server: configuration, bearer token, HTTPS, and the retry rules that
// every call shares.
//
// - 401: the token is re-read from its file once (it may have rotated) and the call is sent
//   again; a second 401 is returned to the caller.
// - 429, 500, 502, 503, 504 and transport failures (connect, reset, timeout): sent again after
//   an exponential backoff with jitter, at most RetryPolicy::max_attempts times in all, waiting
//   at least what Retry-After asks (up to max_retry_after).
// - Every call ends within RetryPolicy::total_budget (or the caller's earlier deadline), sends,
//   backoffs and Retry-After waits included: each send gets the shorter of request_timeout and
//   what is left, and no retry starts that could not finish in time. A stalled API server
//   therefore costs a caller at most the budget, not attempts x request_timeout + backoffs;
//   the call then fails kUnavailable, naming the budget and the last error.
// - Anything else (2xx, 404, 409, 403, 422, ...) is returned at once: what it means depends
//   on the operation, which is the caller's (SecretsApi) business.
// - A TLS verification failure is never retried.
#ifndef VSECM_K8S_KUBE_CLIENT_HPP_
#define VSECM_K8S_KUBE_CLIENT_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/https_client.hpp"
#include "vsecm/k8s/token_source.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

struct RetryPolicy {
  int max_attempts = 6;  // sends per call, the first included
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{10000};
  std::chrono::milliseconds max_retry_after{30000};
  // The most one call may take, from its first send to its answer, across every retry and
  // backoff: the Safe's callers hold requests (and sometimes locks) while it runs.
  std::chrono::milliseconds total_budget{30000};
};

struct ApiResponse {
  HttpResponse http;
  int attempts = 1;  // sends counted against RetryPolicy::max_attempts (a 401 re-send is free)
  // Set when a retryable answer (429/5xx) is returned because the time budget, not
  // max_attempts, ran out: `http` is the last answer.
  std::chrono::milliseconds budget_spent{0};
};

class KubeClient {
 public:
  using Clock = std::chrono::steady_clock;
  using SleepFn = std::function<void(std::chrono::milliseconds)>;
  using NowFn = std::function<Clock::time_point()>;
  using LogFn = std::function<void(kernel::LogLevel, std::string_view)>;

  struct Options {
    std::chrono::milliseconds request_timeout{10000};  // one send: connect to the last byte
    std::chrono::seconds token_recheck{60};
    RetryPolicy retry;
    SleepFn sleep;  // default: std::this_thread::sleep_for (tests record instead)
    // The clock budgets are measured on; default: steady_clock. A test that replaces `sleep`
    // can advance its own clock there, so that budgets run out without real waiting.
    NowFn now;
    LogFn log;      // default: silent
  };

  static StatusOr<std::unique_ptr<KubeClient>> Create(ClusterConfig config, Options options);
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // `request.target` is the API path and query ("/api/v1/..."); the server's base path is
  // prepended here. With `deadline` (on this client's clock, see Now()), the call also ends by
  // then: an operation made of several calls (read, then write, retried on conflicts) keeps
  // one budget for all of them.
  StatusOr<ApiResponse> Call(HttpRequest request,
                             std::optional<Clock::time_point> deadline = std::nullopt);

  Clock::time_point Now() const { return options_.now ? options_.now() : Clock::now(); }
  Clock::time_point DeadlineAfter(std::chrono::milliseconds budget) const { return Now() + budget; }

  const std::string& server() const noexcept { return server_; }
  const std::string& in_cluster_namespace() const noexcept { return in_cluster_namespace_; }
  const RetryPolicy& retry_policy() const noexcept { return options_.retry; }

  // The wait before attempt `attempt` + 1 (attempt >= 1): min(max, initial * 2^(attempt-1)),
  // scaled by a random factor in [0.5, 1], and at least `retry_after` when the server asked.
  std::chrono::milliseconds Backoff(int attempt, std::chrono::milliseconds retry_after);

 private:
  KubeClient() = default;
  void Log(kernel::LogLevel level, std::string_view message) const {
    if (options_.log) options_.log(level, message);
  }

  Options options_;
  std::string server_;
  std::string base_path_;
  std::string in_cluster_namespace_;
  std::unique_ptr<TokenSource> token_;
  std::unique_ptr<HttpsClient> http_;
  std::mutex rng_mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

// Parses a Retry-After header in seconds ("3"); HTTP dates and junk give 0.
std::chrono::milliseconds ParseRetryAfter(std::string_view header);

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_KUBE_CLIENT_HPP_
