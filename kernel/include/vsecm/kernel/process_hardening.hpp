// Process-wide protections every VSecM binary applies first thing in main().
#ifndef VSECM_KERNEL_PROCESS_HARDENING_HPP_
#define VSECM_KERNEL_PROCESS_HARDENING_HPP_

#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

// Turns off core dumps (RLIMIT_CORE 0, soft and hard) and ptrace attachment and /proc/PID/mem
// access by other processes of the same user (PR_SET_DUMPABLE 0). Fails only if the kernel
// refuses, and then the caller should not continue.
Status HardenProcess();

// True while the process may be dumped or attached to (what HardenProcess turns off).
bool IsProcessDumpable();

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PROCESS_HARDENING_HPP_
