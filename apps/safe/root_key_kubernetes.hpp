// The root key in the vsecm-root-key Kubernetes Secret, through the API server.
#ifndef VSECM_APPS_SAFE_ROOT_KEY_KUBERNETES_HPP_
#define VSECM_APPS_SAFE_ROOT_KEY_KUBERNETES_HPP_

#include "root_key_source.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::safe {

// The Secret's KEY_TXT when it holds a key; else a new key, created in the Secret (or, when
// another Safe filled it first, that one).
StatusOr<kernel::SecretBytes> ObtainRootKeyFromKubernetes(const RootKeySourceOptions& options);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_ROOT_KEY_KUBERNETES_HPP_
