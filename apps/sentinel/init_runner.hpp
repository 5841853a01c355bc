// `vsecm-sentinel init`: VSecM Sentinel's start-up flow (RunInitCommands). Waits
// VSECM_SENTINEL_INIT_COMMAND_WAIT_BEFORE_EXEC, waits for the Safe to answer (retrying with the
// back-off, then again every minute, as VSecM does), does nothing when the vsecm-keystone secret
// already exists, applies the init file's blocks in order, writes vsecm-keystone (so
// GET /sentinel/v1/keystone reports "ready") and waits ..._WAIT_AFTER_INIT_COMPLETE.
#ifndef VSECM_APPS_SENTINEL_INIT_RUNNER_HPP_
#define VSECM_APPS_SENTINEL_INIT_RUNNER_HPP_

#include <chrono>
#include <string>

#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

inline constexpr const char* kDefaultInitCommandPath = "/opt/vsecm-sentinel/init/data";
inline constexpr const char* kKeystoneWorkload = "vsecm-keystone";
inline constexpr const char* kKeystoneValue = "keystone-init";

struct InitOptions {
  std::string file = kDefaultInitCommandPath;
  std::chrono::milliseconds wait_before_exec{0};
  std::chrono::milliseconds wait_after_complete{0};
  std::string system_namespace = "vsecm-system";  // where vsecm-keystone is registered
  // Between rounds of connection retries when the Safe stays unreachable or not ready.
  std::chrono::milliseconds extended_wait{60000};
};

// VSECM_SENTINEL_INIT_COMMAND_PATH, _WAIT_BEFORE_EXEC, _WAIT_AFTER_INIT_COMPLETE (ms; a value
// that does not parse is 0, as in VSecM) and VSECM_NAMESPACE_SYSTEM; `file` wins when set.
InitOptions InitOptionsFromEnvironment(const kernel::EnvLookup& env, const std::string& file);

// The client should retry UNAVAILABLE with VSecM's back-off. Returns the first failure that
// retrying cannot fix (a refused identity, a bad block — named by its line); the keystone is
// then not written, so the next start runs the file again.
Status RunInit(client::SafeClient& safe, const InitOptions& options, const kernel::EnvLookup& env);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_INIT_RUNNER_HPP_
