// VSecM's `k8s:` secrets: a secret whose name starts with the prefix (VSECM_SAFE_STORE_WORKLOAD_
// SECRET_AS_K8S_SECRET_PREFIX, default "k8s:") is also kept as an ordinary Kubernetes Secret,
// named without the prefix, in each of the secret's namespaces, so pods can mount it. Its data is
// the rendered value: one data key per member when that is a JSON object of strings, else the
// whole value under "VALUE" (VSecM's ToMapForK8s). Deleting the secret deletes those Secrets.
// This is plain text by design, written only by the Safe; store plugins never see it.
#ifndef VSECM_APPS_SAFE_K8S_SECRET_SYNC_HPP_
#define VSECM_APPS_SAFE_K8S_SECRET_SYNC_HPP_

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
};
KubernetesOptions KubernetesOptionsFromEnv(const kernel::EnvLookup& env);

class K8sSecretSync {
 public:
  static StatusOr<std::unique_ptr<K8sSecretSync>> Open(const KubernetesOptions& options);
  virtual ~K8sSecretSync() = default;

  bool Applies(std::string_view secret_name) const;
  // Creates or replaces the Secret in every namespace; durable once it returns ok.
  virtual Status Apply(std::string_view secret_name, const std::vector<std::string>& namespaces,
                       const kernel::SecretBytes& rendered) = 0;
  // Deletes the Secret from every namespace (absent ones are fine).
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
