#include "root_key_kubernetes.hpp"

#include "root_key_generation.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/root_key_secret.hpp"
#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {

StatusOr<kernel::SecretBytes> ObtainRootKeyFromKubernetes(const RootKeySourceOptions& options) {
  auto env = kernel::ProcessEnvironment();
  auto config = k8s::LoadClusterConfig(options.kubeconfig, k8s::InClusterPaths{}, env);
  if (!config.ok()) return config.status().WithContext("the root key Secret");
  const std::string ns = !options.secret_namespace.empty() ? options.secret_namespace
                         : !config->in_cluster_namespace.empty() ? config->in_cluster_namespace
                                                                  : "vsecm-system";
  k8s::KubeClient::Options client_options;
  client_options.log = [](kernel::LogLevel level, std::string_view message) {
    kernel::WriteLog(level, "kubernetes", message);
  };
  VSECM_ASSIGN_OR_RETURN(auto client, k8s::KubeClient::Create(std::move(config).value(), client_options));
  k8s::SecretsApi api(*client);

  auto existing = k8s::ReadRootKey(api, ns, options.secret_name);
  if (existing.status().code() != StatusCode::kNotFound) return existing;
  kernel::LogWarning("safe", "the Secret {}/{} holds no root key: generating one and storing it there",
                     ns, options.secret_name);
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes fresh, common::NewRootKeyText());
  Status created = k8s::CreateRootKey(api, ns, options.secret_name, fresh.Expose());
  if (created.code() == StatusCode::kAlreadyExists) {
    kernel::LogInfo("safe", "another Safe stored a root key in {}/{} first; using that one", ns,
                    options.secret_name);
    return k8s::ReadRootKey(api, ns, options.secret_name);
  }
  if (!created.ok()) return created;
  return fresh;
}

}  // namespace vsecm::safe
