#include "vsecm/k8s/kube_client.hpp"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

namespace vsecm::k8s {
namespace {

bool RetryableStatus(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

}  // namespace

std::chrono::milliseconds ParseRetryAfter(std::string_view header) {
  if (header.empty() || header.size() > 6) return std::chrono::milliseconds(0);
  int64_t seconds = 0;
  for (char c : header) {
    if (c < '0' || c > '9') return std::chrono::milliseconds(0);
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::seconds(seconds);
}

StatusOr<std::unique_ptr<KubeClient>> KubeClient::Create(ClusterConfig config, Options options) {
  std::unique_ptr<KubeClient> client(new KubeClient());
  if (options.retry.max_attempts < 1) options.retry.max_attempts = 1;
  if (options.retry.total_budget.count() < 1) {
    options.retry.total_budget = std::chrono::milliseconds(1);
  }
  client->options_ = std::move(options);
  client->server_ = config.ServerUrl();
  client->base_path_ = config.base_path;
  client->in_cluster_namespace_ = config.in_cluster_namespace;
  if (!config.token_file.empty()) {
    client->token_ = std::make_unique<TokenSource>(config.token_file,
                                                   client->options_.token_recheck);
    VSECM_RETURN_IF_ERROR(client->token_->Load());
  } else if (!config.token.empty()) {
    client->token_ = std::make_unique<TokenSource>(std::move(config.token));
  } else {
    client->token_ = std::make_unique<TokenSource>();
  }
  HttpsClient::Options http_options;
  http_options.timeout = client->options_.request_timeout;
  VSECM_ASSIGN_OR_RETURN(client->http_, HttpsClient::Create(config, http_options));
  return client;
}

std::chrono::milliseconds KubeClient::Backoff(int attempt, std::chrono::milliseconds retry_after) {
  const RetryPolicy& p = options_.retry;
  const int shift = std::clamp(attempt - 1, 0, 20);
  const int64_t base = std::min<int64_t>(p.max_backoff.count(),
                                         p.initial_backoff.count() * (int64_t{1} << shift));
  double factor;
  {
    std::lock_guard lock(rng_mu_);
    factor = std::uniform_real_distribution<double>(0.5, 1.0)(rng_);
  }
  auto wait = std::chrono::milliseconds(static_cast<int64_t>(static_cast<double>(base) * factor));
  return std::max(wait, std::min(retry_after, p.max_retry_after));
}

StatusOr<ApiResponse> KubeClient::Call(HttpRequest request,
                                       std::optional<Clock::time_point> deadline) {
  request.target = base_path_ + request.target;
  const Clock::time_point start = Now();
  Clock::time_point give_up = start + options_.retry.total_budget;
  if (deadline && *deadline < give_up) give_up = *deadline;
  const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(give_up - start);
  const auto left = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(give_up - Now());
  };
  // Says why the call stopped when time, not max_attempts, ended it.
  int sends = 0;  // a 401 re-send included, unlike attempts
  const auto out_of_time = [&](int attempts, const Status& last) {
    if (sends == 0) {
      return Unavailable(fmt::format("{} {}: not sent: the operation's deadline had passed",
                                     request.method, request.target));
    }
    return Unavailable(fmt::format(
        "{} {}: gave up after {} attempt{}: the call's time budget of {} ms is spent; the last "
        "one failed: {}",
        request.method, request.target, attempts, attempts == 1 ? "" : "s",
        std::max<int64_t>(0, budget.count()), last.message()));
  };
  bool token_reread = false;
  Status last_error;
  for (int attempt = 1;; ++attempt) {
    const auto remaining = left();
    // Only a deadline the caller let pass before this call (or one spent by a 401 and the
    // token re-read) ends here; a retry is not started without time for it (below).
    if (remaining.count() <= 0) {
      return out_of_time(std::max(attempt - 1, 1), last_error.ok() ? Unavailable("401 Unauthorized")
                                                                    : last_error);
    }
    // A copy, so that concurrent calls do not wait on each other behind the token's lock.
    VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes token, token_->Current());
    TransportError failure;
    ++sends;
    StatusOr<HttpResponse> response = http_->Send(request, token.ExposeText(), &failure,
                                                  std::min(remaining, options_.request_timeout));
    token.Reset();
    std::chrono::milliseconds retry_after{0};
    if (response.ok()) {
      const int status = response->status;
      if (status == 401 && !token_reread && token_->from_file()) {
        token_reread = true;
        auto changed = token_->Refresh();
        Log(kernel::LogLevel::kWarn,
            fmt::format("{} {}: 401 Unauthorized; re-read the token from {} ({})",
                        request.method, request.target, token_->path(),
                        !changed.ok()     ? changed.status().message()
                        : changed.value() ? "it had rotated"
                                          : "unchanged"));
        --attempt;  // a token refresh is not a failed attempt
        continue;
      }
      if (!RetryableStatus(status) || attempt >= options_.retry.max_attempts) {
        return ApiResponse{std::move(response).value(), attempt};
      }
      retry_after = ParseRetryAfter(response->retry_after);
      last_error = Unavailable(fmt::format("{} {}", status, response->reason));
    } else {
      if (failure.kind != TransportFailure::kRetryable || attempt >= options_.retry.max_attempts) {
        Status s = response.status();
        if (attempt > 1) s = s.WithContext(fmt::format("after {} attempts", attempt));
        return s;
      }
      last_error = response.status();
    }
    const auto wait = Backoff(attempt, retry_after);
    if (wait >= left()) {
      // No time for the wait and another send: stop now rather than after the budget.
      if (response.ok()) {
        ApiResponse out{std::move(response).value(), attempt};
        out.budget_spent = std::max(budget, std::chrono::milliseconds(0));
        return out;
      }
      return out_of_time(attempt, last_error);
    }
    Log(kernel::LogLevel::kWarn,
        fmt::format("{} {}: {}; attempt {} of {}, retrying in {} ms", request.method,
                    request.target, last_error.message(), attempt, options_.retry.max_attempts,
                    wait.count()));
    if (options_.sleep) {
      options_.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }
}

}  // namespace vsecm::k8s
