// Process-wide protections every VSecM binary applies first thing in main().
#ifndef VSECM_KERNEL_PROCESS_HARDENING_HPP_
#define VSECM_KERNEL_PROCESS_HARDENING_HPP_

#include <cstddef>
#include <cstdint>

#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

// Turns off core dumps (RLIMIT_CORE 0, soft and hard) and ptrace attachment and /proc/PID/mem
// access by other processes of the same user (PR_SET_DUMPABLE 0). Fails only if the kernel
// refuses, and then the caller should not continue.
Status HardenProcess();

// Gives OpenSSL a locked, never-dumped heap of `bytes` (a power of two) for the private parts of
// keys it holds (the TLS key's private number, for one). Returns false when the heap could not
// be set up, or could not be locked; OpenSSL then keeps using its ordinary heap for them.
bool EnableOpenSslSecureHeap(size_t bytes = size_t{1} << 24);

// Raises the soft RLIMIT_NOFILE to the hard limit: a server that holds thousands of connections
// needs more than the customary soft default of 1024, and the hard limit is what the operator
// granted. Returns the soft limit in force afterwards (unchanged if the kernel refused the raise);
// an error only when the limit cannot be read at all.
StatusOr<uint64_t> RaiseOpenFileLimit();

// True while the process may be dumped or attached to (what HardenProcess turns off).
bool IsProcessDumpable();

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PROCESS_HARDENING_HPP_
