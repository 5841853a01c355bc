// The sidecar's loop: fetch the workload's secret, write it to the secrets file when it changed,
// sleep for the PollSchedule's interval, until stopped. The secret is fetched at once on start
// (VSecM waits one interval first; a workload should not wait 20 s for its first secret).
//
// A failed fetch never touches the file: the workload keeps the last secret while the Safe is
// down. No secret for this workload (404) leaves the file too, and, as in VSecM (where it is not
// an error), counts as a successful poll.
#ifndef VSECM_APPS_SIDECAR_SIDECAR_LOOP_HPP_
#define VSECM_APPS_SIDECAR_SIDECAR_LOOP_HPP_

#include <functional>

#include "delivery_support.hpp"
#include "poll_schedule.hpp"
#include "secret_file.hpp"
#include "vsecm/client/types.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sidecar {

using Fetcher = std::function<StatusOr<client::WorkloadSecret>()>;

struct SidecarOptions {
  PollSettings poll;
  bool once = false;  // return after the first fetch that delivered a secret
};

// Returns the process exit code: 0 when stopped, or with `once` after a delivered secret.
int RunSidecar(const SidecarOptions& options, const Fetcher& fetch, SecretFile& file,
               delivery::StopSignal& stop);

}  // namespace vsecm::sidecar

#endif  // VSECM_APPS_SIDECAR_SIDECAR_LOOP_HPP_
