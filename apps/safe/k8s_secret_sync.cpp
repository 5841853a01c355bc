#include "k8s_secret_sync.hpp"

#include <fmt/format.h>

#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::safe {
namespace {

constexpr int kConflictRetries = 5;

// VSecM's ToMapForK8s: a JSON object of strings gives one data key per member; anything else
// is kept whole under "VALUE".
std::map<std::string, kernel::SecretBytes> DataOf(const kernel::SecretBytes& rendered) {
  std::map<std::string, kernel::SecretBytes> data;
  kernel::SecureJsonReader reader(rendered.Expose());
  Status parsed = reader.Validate();
  if (parsed.ok()) {
    parsed = reader.ReadObject("value", [&](std::string_view key) -> Status {
      VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes v, reader.ReadSecret(key));
      data[std::string(key)] = std::move(v);
      return Status::Ok();
    });
  }
  if (!parsed.ok()) {
    data.clear();
    data["VALUE"] = rendered.Clone();
  }
  return data;
}

class ApiServerSync final : public K8sSecretSync {
 public:
  ApiServerSync(std::string prefix, std::unique_ptr<k8s::KubeClient> client)
      : K8sSecretSync(std::move(prefix)), client_(std::move(client)), api_(*client_) {}

  Status Apply(std::string_view secret_name, const std::vector<std::string>& namespaces,
               const kernel::SecretBytes& rendered) override {
    const std::string name = SecretNameOf(secret_name);
    for (const std::string& ns : namespaces) {
      Status s = ApplyOne(ns, name, rendered);
      if (!s.ok()) return s.WithContext(fmt::format("Kubernetes Secret {}/{}", ns, name));
    }
    return Status::Ok();
  }

  Status Remove(std::string_view secret_name, const std::vector<std::string>& namespaces) override {
    const std::string name = SecretNameOf(secret_name);
    for (const std::string& ns : namespaces) {
      Status s = api_.Delete(ns, name);
      if (!s.ok() && s.code() != StatusCode::kNotFound) {
        return s.WithContext(fmt::format("Kubernetes Secret {}/{}", ns, name));
      }
    }
    return Status::Ok();
  }

 private:
  Status ApplyOne(const std::string& ns, const std::string& name, const kernel::SecretBytes& rendered) {
    for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
      k8s::Secret secret;
      auto existing = api_.Get(ns, name);
      if (existing.ok()) {
        secret.metadata = existing->metadata;  // keep what others set; replace at its version
      } else if (existing.status().code() != StatusCode::kNotFound) {
        return existing.status();
      }
      secret.metadata.name = name;
      secret.metadata.namespace_ = ns;
      secret.metadata.labels["app.kubernetes.io/operated-by"] = "vsecm";
      secret.data = DataOf(rendered);
      auto written = existing.ok() ? api_.Replace(ns, secret) : api_.Create(ns, secret);
      if (written.ok()) return Status::Ok();
      if (!k8s::IsConflict(written.status()) &&
          written.status().code() != StatusCode::kAlreadyExists) {
        return written.status();
      }
    }
    return Unavailable("gave up after repeated conflicting writes");
  }

  std::unique_ptr<k8s::KubeClient> client_;
  k8s::SecretsApi api_;
};

}  // namespace

KubernetesOptions KubernetesOptionsFromEnv(const kernel::EnvLookup& env) {
  KubernetesOptions o;
  auto flag = env("VSECM_SAFE_KUBERNETES").value_or("");
  o.enabled = env("KUBERNETES_SERVICE_HOST").has_value() || flag == "true" || flag == "1";
  if (auto v = env("KUBECONFIG")) o.kubeconfig = *v;
  if (auto v = env("VSECM_SAFE_STORE_WORKLOAD_SECRET_AS_K8S_SECRET_PREFIX")) o.k8s_secret_prefix = *v;
  return o;
}

bool K8sSecretSync::Applies(std::string_view secret_name) const {
  return !prefix_.empty() && secret_name.size() > prefix_.size() &&
         secret_name.substr(0, prefix_.size()) == prefix_;
}

StatusOr<std::unique_ptr<K8sSecretSync>> K8sSecretSync::Open(const KubernetesOptions& options) {
  auto env = kernel::ProcessEnvironment();
  VSECM_ASSIGN_OR_RETURN(k8s::ClusterConfig config,
                         k8s::LoadClusterConfig(options.kubeconfig, k8s::InClusterPaths{}, env));
  k8s::KubeClient::Options client_options;
  client_options.log = [](kernel::LogLevel level, std::string_view message) {
    kernel::WriteLog(level, "kubernetes", message);
  };
  VSECM_ASSIGN_OR_RETURN(auto client, k8s::KubeClient::Create(std::move(config), client_options));
  return std::unique_ptr<K8sSecretSync>(
      new ApiServerSync(options.k8s_secret_prefix, std::move(client)));
}

}  // namespace vsecm::safe
