#include "vsecm/kernel/process_hardening.hpp"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <fstream>
#include <string>

#include <openssl/crypto.h>

namespace vsecm::kernel {

Status HardenProcess() {
  struct rlimit no_core = {0, 0};
  if (setrlimit(RLIMIT_CORE, &no_core) != 0) {
    return Internal(std::string("cannot disable core dumps: ") + strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    return Internal(std::string("cannot turn off PR_SET_DUMPABLE: ") + strerror(errno));
  }
  return Status::Ok();
}

bool EnableOpenSslSecureHeap(size_t bytes) {
  // 1: locked; 2: set up but mlock was refused; 0: not set up.
  return CRYPTO_secure_malloc_init(bytes, 32) == 1;
}

StatusOr<uint64_t> RaiseOpenFileLimit() {
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Internal(std::string("cannot read the open file limit: ") + strerror(errno));
  }
  rlim_t target = limit.rlim_max;
  if (target == RLIM_INFINITY) {
    // Linux refuses an unlimited RLIMIT_NOFILE; fs.nr_open is the real ceiling.
    uint64_t nr_open = 0;
    std::ifstream("/proc/sys/fs/nr_open") >> nr_open;
    target = nr_open > 0 ? static_cast<rlim_t>(nr_open) : rlim_t{1} << 20;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < target) {
    struct rlimit raised = {target, limit.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.rlim_cur = target;
  }
  return static_cast<uint64_t>(limit.rlim_cur);
}

bool IsProcessDumpable() { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0; }

}  // namespace vsecm::kernel
