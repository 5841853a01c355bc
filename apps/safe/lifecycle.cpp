#include "lifecycle.hpp"

#include <chrono>

#include <fmt/format.h>

#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::safe {

namespace {

// A key that opens none of the stored records is the wrong key (or the store is unreadable):
// becoming ready would serve every workload a 404, and taking the key would make the right one
// be refused later. A store with some good records is ready with those (a corrupt record must
// not take every other workload's secret down).
Status CheckRecovered(const kernel::RecoveryReport& report) {
  if (report.loaded > 0 || report.failed.empty()) return Status::Ok();
  const auto& [first, why] = report.failed.front();
  if (first == "*") {
    return Unavailable("the stored secrets cannot be listed: " + why.message() +
                       "; the Safe stays unready");
  }
  return InvalidArgument(fmt::format(
      "the root key does not match the stored secrets: none of the {} stored records could be "
      "decrypted with it (\"{}\": {}); the Safe keeps waiting for the right key",
      report.failed.size(), first, why.message()));
}

}  // namespace

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
  if (Status refused = CheckRecovered(report); !refused.ok()) {
    // Nothing was loaded, so nothing is held: the Safe waits for a key that opens the store.
    phase_ = Phase::kWaitingForRootKey;
    kernel::LogError("safe", "{}", refused.message());
    return refused;
  }
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

std::string Lifecycle::ReadinessText() const {
  std::string text = Describe();
  const kernel::SecureMemoryStats memory = kernel::GetSecureMemoryStats();
  if (memory.bytes_unlocked > 0) {
    text += fmt::format(
        "; warning: {} bytes of secret memory are not locked in RAM and may be swapped to disk "
        "(mlock was refused: raise RLIMIT_MEMLOCK or grant CAP_IPC_LOCK)",
        memory.bytes_unlocked);
  }
  return text;
}

}  // namespace vsecm::safe
