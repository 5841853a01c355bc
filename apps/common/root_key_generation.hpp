// A new VSecM root key: a fresh age identity, its recipient, and 32 random bytes of AES key in
// hex, one per line, assembled in locked memory. Shared by vsecm-keygen and the Safe's
// bootstrap, which generates a root key when its key source holds none.
#ifndef VSECM_APPS_COMMON_ROOT_KEY_GENERATION_HPP_
#define VSECM_APPS_COMMON_ROOT_KEY_GENERATION_HPP_

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::common {

StatusOr<kernel::SecretBytes> NewRootKeyText();

}  // namespace vsecm::common

#endif  // VSECM_APPS_COMMON_ROOT_KEY_GENERATION_HPP_
