// VSecM's `k8s:` secrets: a secret whose name starts with the prefix (VSECM_SAFE_STORE_WORKLOAD_
// SECRET_AS_K8S_SECRET_PREFIX, default "k8s:") is also kept as an ordinary Kubernetes Secret,
// named without the prefix, in each of the secret's namespaces, so pods can mount it. Its data is
// the rendered value: one data key per member when that is a JSON object of strings, else the
// whole value under "VALUE" (VSecM's ToMapForK8s). Deleting the secret deletes those Secrets.
// This is plain text by design, written only by the Safe; store plugins never see it.
//
// Unlike VSecM, only Secrets VSecM manages for that very secret are replaced or deleted, and
// nothing is written where the Safe keeps Secrets of its own (k8s_secret_ownership.hpp). Every
// operation (all namespaces, reads, writes and conflict retries) ends within
// KubernetesOptions::api_budget, so a stalled API server cannot hold a request for longer.
#ifndef VSECM_APPS_SAFE_K8S_SECRET_SYNC_HPP_
#define VSECM_APPS_SAFE_K8S_SECRET_SYNC_HPP_

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct KubernetesOptions {
  bool enabled = false;     // in a cluster, or VSECM_SAFE_KUBERNETES=true (then KUBECONFIG)
  std::string kubeconfig;   // KUBECONFIG, outside a cluster
  std::string k8s_secret_prefix = "k8s:";
  // Where the Safe's own Secrets are; no `k8s:` secret is written in these namespaces.
  // VSECM_NAMESPACE_SYSTEM; "": the pod's namespace, else vsecm-system (as for the root key).
  std::string system_namespace;
  std::string root_key_secret_name = "vsecm-root-key";  // VSECM_ROOT_KEY_NAME
  std::string store_namespace;  // vsecm-store-k8s's namespace, when it is the store (see below)
  // The most one Apply, Remove or CheckTarget may take, every API call, retry and backoff
  // included; each single call is also bounded by it.
  std::chrono::milliseconds api_budget{30000};
};
KubernetesOptions KubernetesOptionsFromEnv(const kernel::EnvLookup& env);

// The namespace vsecm-store-k8s keeps its records in when `config` selects that store, as the
// plugin resolves it (VSECM_NAMESPACE_SYSTEM, else plugins.store.config.namespace); "" when the
// store is another one or leaves it to the default (the pod's namespace, else vsecm-system,
// which the system namespace rule covers already).
std::string StoreK8sNamespace(const kernel::KernelConfig& config, const kernel::EnvLookup& env);

class K8sSecretSync {
 public:
  static StatusOr<std::unique_ptr<K8sSecretSync>> Open(const KubernetesOptions& options);
  virtual ~K8sSecretSync() = default;

  bool Applies(std::string_view secret_name) const;
  // Whether Apply(secret_name, namespaces, ...) may write every one of its Secrets, checked
  // without writing anything: the API calls it before the secret is stored, so that a refused
  // target leaves no trace. Refusals name the Secret (ns/name) and are kInvalidArgument (a
  // reserved namespace, or a name the API server would refuse) or kFailedPrecondition (the
  // Secret "exists and is not managed by VSecM"): bad input, a 400. Anything else is the API
  // server's answer (kUnavailable when unreachable within api_budget, kPermissionDenied when
  // RBAC refuses the read).
  virtual Status CheckTarget(std::string_view secret_name,
                             const std::vector<std::string>& namespaces) = 0;
  // Creates or replaces the Secret in every namespace; durable once it returns ok. Makes the
  // checks of CheckTarget itself, for every namespace before writing any, and again on every
  // read before a write (a Secret may appear between the check and the write): a refused
  // target changes nothing anywhere.
  virtual Status Apply(std::string_view secret_name, const std::vector<std::string>& namespaces,
                       const kernel::SecretBytes& rendered) = 0;
  // Deletes the Secret from every namespace where VSecM manages it for this secret (absent ones
  // are fine). A Secret there that VSecM does not manage, or a reserved namespace, is never
  // deleted: the others are, and then kFailedPrecondition names each one left in place.
  virtual Status Remove(std::string_view secret_name,
                        const std::vector<std::string>& namespaces) = 0;

 protected:
  explicit K8sSecretSync(std::string prefix) : prefix_(std::move(prefix)) {}
  std::string SecretNameOf(std::string_view secret_name) const {
    return std::string(secret_name.substr(prefix_.size()));
  }

 private:
  std::string prefix_;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_K8S_SECRET_SYNC_HPP_
