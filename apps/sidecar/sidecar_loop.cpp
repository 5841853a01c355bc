#include "sidecar_loop.hpp"

#include <mutex>
#include <string>

#include "vsecm/kernel/log.hpp"

namespace vsecm::sidecar {
namespace {

constexpr const char* kLog = "sidecar";

enum class Outcome { kDelivered, kNoSecret, kFailed };

}  // namespace

int RunSidecar(const SidecarOptions& options, const Fetcher& fetch, SecretFile& file,
               delivery::StopSignal& stop) {
  PollSchedule schedule(options.poll);
  std::string last_problem;  // logged once per change, so a long outage is not one line per poll
  int64_t failures = 0;
  uint64_t polls = 0;
  kernel::LogInfo(kLog, "polling every {} ms (at most {} ms when the Safe fails); secrets file {}",
                  schedule.interval().count(), options.poll.max_poll_interval.count(), file.path());
  while (!stop.requested()) {
    Outcome outcome = Outcome::kFailed;
    std::string problem;
    StatusOr<client::WorkloadSecret> secret = fetch();
    if (stop.requested()) break;
    if (secret.ok()) {
      if (secret->data.empty()) {
        // VSecM writes nothing for an empty value either.
        outcome = Outcome::kNoSecret;
        problem = "the workload's secret is empty; keeping " + file.path() + " as it is";
      } else {
        std::lock_guard<std::mutex> lock(stop.Critical());
        StatusOr<bool> wrote = file.Update(secret->data);
        if (wrote.ok()) {
          outcome = Outcome::kDelivered;
          if (*wrote) {
            kernel::LogInfo(kLog, "wrote the secret ({} bytes, updated {}) to {}",
                            secret->data.size(), secret->updated, file.path());
          }
        } else {
          problem = "cannot write the secret: " + wrote.status().message();
        }
      }
    } else if (secret.status().code() == StatusCode::kNotFound) {
      // Deleted, expired, or never registered: the Safe answered that this workload has no
      // secret. VSecM's SDK (sentry.Watch) empties the file then, so a delete revokes the secret
      // in the pod; so do we. An unreachable Safe is a failure below and keeps the file.
      outcome = Outcome::kNoSecret;
      std::lock_guard<std::mutex> lock(stop.Critical());
      StatusOr<bool> emptied = file.Update(kernel::SecretBytes());
      if (!emptied.ok()) {
        outcome = Outcome::kFailed;
        problem = "the Safe has no secret for this workload, and emptying " + file.path() +
                  " failed: " + emptied.status().message();
      } else {
        if (*emptied) {
          kernel::LogInfo(kLog, "the Safe has no secret for this workload ({}): emptied {}",
                          delivery::FailureReason(secret.status()), file.path());
        }
        problem = delivery::FailureReason(secret.status()) + "; " + file.path() + " is empty";
      }
    } else {
      problem = "cannot fetch the secret: " + delivery::FailureReason(secret.status()) + " (" +
                secret.status().message() + ")";
    }

    ++polls;
    kernel::LogDebug(kLog, "poll {}: {}", polls,
                     outcome == Outcome::kDelivered ? "secret delivered"
                     : outcome == Outcome::kNoSecret ? "no secret" : "failed");
    const auto before = schedule.interval();
    const auto next = schedule.Next(outcome != Outcome::kFailed);
    if (outcome == Outcome::kFailed) {
      ++failures;
      // Every failure is logged with the wait it causes: how the back-off grows is visible.
      kernel::LogWarning(kLog, "{}; consecutive failures {}; next poll in {} ms", problem,
                         failures, next.count());
    } else {
      if (failures > 0) {
        kernel::LogInfo(kLog, "the Safe answers again after {} failed polls", failures);
      }
      failures = 0;
      if (outcome == Outcome::kNoSecret && problem != last_problem) {
        kernel::LogInfo(kLog, "{}", problem);
      }
      if (next != before) {
        kernel::LogInfo(kLog, "polls succeed; interval back to {} ms", next.count());
      }
      if (outcome == Outcome::kDelivered && options.once) return 0;
    }
    last_problem = outcome == Outcome::kDelivered ? std::string() : problem;
    if (stop.WaitFor(next)) break;
  }
  kernel::LogInfo(kLog, "stopped; {} stays as it is", file.path());
  return 0;
}

}  // namespace vsecm::sidecar
