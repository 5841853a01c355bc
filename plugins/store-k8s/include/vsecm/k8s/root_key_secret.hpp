// The Safe's root key in the `vsecm-root-key` Secret (VSECM_ROOT_KEY_NAME), data key KEY_TXT:
// VSecM's layout, so existing charts and the keygen's disaster-recovery habits still work.
//
// VSecM's chart creates the Secret empty and the Safe fills it on first start; a Secret that
// does not exist yet is created. A key that is already there is never overwritten: with several
// Safe replicas starting together, the first write wins and the others read it.
#ifndef VSECM_K8S_ROOT_KEY_SECRET_HPP_
#define VSECM_K8S_ROOT_KEY_SECRET_HPP_

#include <span>
#include <string>
#include <string_view>

#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::k8s {

inline constexpr std::string_view kDefaultRootKeySecretName = "vsecm-root-key";
inline constexpr std::string_view kRootKeyDataKey = "KEY_TXT";

// VSECM_ROOT_KEY_NAME, or "vsecm-root-key".
std::string RootKeySecretName(const kernel::EnvLookup& env);

// The KEY_TXT bytes, in secure memory. kNotFound when the Secret is absent or has no non-empty
// KEY_TXT (not created yet, or created empty by the chart).
StatusOr<kernel::SecretBytes> ReadRootKey(SecretsApi& api, std::string_view ns,
                                          std::string_view name);

// Stores `key_text` as KEY_TXT: creates the Secret, or fills the existing one that has no key
// (a replace at the resourceVersion it was read at; re-read and tried again on a conflict, a
// bounded number of times). kAlreadyExists when a key is already there: read that one instead.
Status CreateRootKey(SecretsApi& api, std::string_view ns, std::string_view name,
                     std::span<const uint8_t> key_text);

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_ROOT_KEY_SECRET_HPP_
