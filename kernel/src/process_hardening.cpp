#include "vsecm/kernel/process_hardening.hpp"

#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
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

bool IsProcessDumpable() { return prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0; }

}  // namespace vsecm::kernel
