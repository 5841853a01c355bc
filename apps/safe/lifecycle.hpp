// The Safe's life cycle: it is ready (API answers, readiness 200) only once the root key is in
// place and every stored secret has been recovered into memory. Until then the API answers 503.
#ifndef VSECM_APPS_SAFE_LIFECYCLE_HPP_
#define VSECM_APPS_SAFE_LIFECYCLE_HPP_

#include <atomic>
#include <mutex>
#include <string>

#include "metrics.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::safe {

class Lifecycle {
 public:
  enum class Phase { kWaitingForRootKey, kRecovering, kReady };

  Lifecycle(kernel::SafeKernel& kernel, Metrics& metrics, bool manual_root_key)
      : kernel_(kernel), metrics_(metrics), manual_(manual_root_key) {}

  // Installs the root key, recovers every stored record, and marks the Safe ready. Records
  // that cannot be loaded are logged and audited; the Safe still becomes ready, serving what it
  // could load (a corrupt record must not take every other workload's secret down). A key that
  // opens none of the stored records is refused (INVALID_ARGUMENT, "does not match the stored
  // secrets"), as is a store that cannot be listed (UNAVAILABLE): the Safe then keeps waiting
  // for a root key and never reports ready holding none of what the store has.
  Status Activate(const kernel::RootKey& root_key);

  bool ready() const noexcept { return phase_ == Phase::kReady; }
  bool manual_root_key() const noexcept { return manual_; }
  std::string Describe() const;  // "waiting for the root key from Sentinel", ...
  // The readiness probe's body: Describe(), and a warning when secrets are not locked in RAM.
  std::string ReadinessText() const;

 private:
  kernel::SafeKernel& kernel_;
  Metrics& metrics_;
  const bool manual_;
  std::mutex activate_mutex_;
  std::atomic<Phase> phase_{Phase::kWaitingForRootKey};
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_LIFECYCLE_HPP_
