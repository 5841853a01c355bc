#include "lifecycle.hpp"

#include <chrono>

#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {

Status Lifecycle::Activate(const kernel::RootKey& root_key) {
  std::lock_guard lock(activate_mutex_);
  if (phase_ == Phase::kReady) return FailedPrecondition("a root key is already in place");
  VSECM_RETURN_IF_ERROR(kernel_.InstallRootKey(root_key));
  phase_ = Phase::kRecovering;
  auto start = std::chrono::steady_clock::now();
  kernel::RecoveryReport report = kernel_.registry().Recover();
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  for (const auto& [name, why] : report.failed) {
    kernel::LogError("safe", "could not recover \"{}\": {}", name, why.ToString());
  }
  metrics_.SetRecovery(took, report.loaded, report.failed.size());
  kernel::LogInfo("safe", "recovered {} secrets in {} ms ({} could not be loaded); ready",
                  report.loaded, took.count(), report.failed.size());
  phase_ = Phase::kReady;
  metrics_.SetReady(true);
  return Status::Ok();
}

std::string Lifecycle::Describe() const {
  switch (phase_.load()) {
    case Phase::kWaitingForRootKey:
      return manual_ ? "waiting for Sentinel to send the root key" : "waiting for the root key";
    case Phase::kRecovering:
      return "recovering stored secrets";
    case Phase::kReady:
      return "ready";
  }
  return "starting";
}

}  // namespace vsecm::safe
