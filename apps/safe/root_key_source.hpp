// Where the Safe's root key comes from, as in VSecM: the vsecm-root-key Kubernetes Secret
// (mounted at VSECM_ROOT_KEY_PATH, default /key/key.txt, and read and written through the API
// when the mount is empty), a plain key file outside a cluster, or, in manual mode
// (VSECM_ROOT_KEY_INPUT_MODE_MANUAL=true), Sentinel posting it to /sentinel/v1/keys.
#ifndef VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_
#define VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_

#include <optional>
#include <string>

#include "vsecm/kernel/root_key.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct RootKeySourceOptions {
  std::string key_path = "/key/key.txt";
  bool manual = false;
  bool generate_when_absent = true;  // VSecM generates and keeps a key when none exists
  // Keep the key in the vsecm-root-key Secret through the Kubernetes API: on in a cluster
  // (KUBERNETES_SERVICE_HOST set) or with VSECM_SAFE_KUBERNETES=true (then KUBECONFIG
  // says where the API server is).
  bool kubernetes = false;
  std::string kubeconfig;          // KUBECONFIG, outside a cluster
  std::string secret_name = "vsecm-root-key";  // VSECM_ROOT_KEY_NAME
  std::string secret_namespace;    // VSECM_NAMESPACE_SYSTEM, else the pod's, else vsecm-system
};

// Reads the root key: the key file when it holds one (an empty file, as the chart mounts before
// the first start, counts as none); else, with `kubernetes`, the Secret through the API (another
// replica may have filled it since the mount was made), else a new key, created in the Secret
// (never overwriting one that appeared meanwhile: then that one is used); without `kubernetes`
// a new key written to the key file (mode 0600, never overwriting). Returns nullopt in manual
// mode: the key then arrives through the API.
StatusOr<std::optional<kernel::RootKey>> ObtainRootKey(const RootKeySourceOptions& options);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_
