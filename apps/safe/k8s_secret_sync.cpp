#include "k8s_secret_sync.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "k8s_secret_ownership.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/root_key_secret.hpp"
#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::safe {
namespace {

// Writes that keep conflicting are given up after this many rounds, or at the operation's
// deadline, whichever comes first.
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
  ApiServerSync(std::string prefix, std::unique_ptr<k8s::KubeClient> client,
                ReservedNamespaces reserved, std::chrono::milliseconds budget)
      : K8sSecretSync(std::move(prefix)),
        client_(std::move(client)),
        reserved_(std::move(reserved)),
        budget_(budget) {}

  Status CheckTarget(std::string_view secret_name,
                     const std::vector<std::string>& namespaces) override {
    k8s::SecretsApi api = Operation();
    return Check(api, secret_name, namespaces);
  }

  Status Apply(std::string_view secret_name, const std::vector<std::string>& namespaces,
               const kernel::SecretBytes& rendered) override {
    k8s::SecretsApi api = Operation();
    VSECM_RETURN_IF_ERROR(Check(api, secret_name, namespaces));
    const std::string name = SecretNameOf(secret_name);
    for (const std::string& ns : namespaces) {
      VSECM_RETURN_IF_ERROR(ApplyOne(api, ns, name, secret_name, rendered));
    }
    return Status::Ok();
  }

  Status Remove(std::string_view secret_name, const std::vector<std::string>& namespaces) override {
    k8s::SecretsApi api = Operation();
    const std::string name = SecretNameOf(secret_name);
    std::vector<std::string> left;
    for (const std::string& ns : namespaces) {
      if (Status reserved = reserved_.Check(ns, name); !reserved.ok()) {
        left.push_back(reserved.message());  // never written there, so nothing of ours to delete
        continue;
      }
      Status s = RemoveOne(api, ns, name, secret_name);
      if (s.code() == StatusCode::kFailedPrecondition && !k8s::IsConflict(s)) {
        left.push_back(s.message());
        continue;
      }
      VSECM_RETURN_IF_ERROR(s);
    }
    if (left.empty()) return Status::Ok();
    return FailedPrecondition(fmt::format("left in place: {}", fmt::join(left, "; ")));
  }

 private:
  // One SecretsApi per operation, so all of its calls share one deadline.
  k8s::SecretsApi Operation() { return k8s::SecretsApi(*client_, client_->DeadlineAfter(budget_)); }

  // Every namespace's reservation first (no API call), then every existing Secret's marks.
  Status Check(k8s::SecretsApi& api, std::string_view secret_name,
               const std::vector<std::string>& namespaces) {
    if (!Applies(secret_name)) {
      return InvalidArgument(fmt::format("\"{}\" is not a `k8s:` secret", secret_name));
    }
    const std::string name = SecretNameOf(secret_name);
    for (const std::string& ns : namespaces) VSECM_RETURN_IF_ERROR(reserved_.Check(ns, name));
    for (const std::string& ns : namespaces) {
      auto existing = api.Get(ns, name);
      if (existing.ok()) {
        VSECM_RETURN_IF_ERROR(CheckManaged(*existing, ns, name, secret_name));
      } else if (existing.status().code() != StatusCode::kNotFound) {
        return existing.status().WithContext(fmt::format("Kubernetes Secret {}/{}", ns, name));
      }
    }
    return Status::Ok();
  }

  // Read, check, write at the version read; a Secret that appeared or changed meanwhile is
  // read and checked again. Bounded by kConflictRetries and by the operation's deadline.
  Status ApplyOne(k8s::SecretsApi& api, const std::string& ns, const std::string& name,
                  std::string_view secret_name, const kernel::SecretBytes& rendered) {
    const auto where = [&](const Status& s) {
      return s.WithContext(fmt::format("Kubernetes Secret {}/{}", ns, name));
    };
    for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
      k8s::Secret secret;
      auto existing = api.Get(ns, name);
      if (existing.ok()) {
        VSECM_RETURN_IF_ERROR(CheckManaged(*existing, ns, name, secret_name));
        secret.metadata = existing->metadata;  // keep what others set; replace at its version
      } else if (existing.status().code() != StatusCode::kNotFound) {
        return where(existing.status());
      }
      secret.metadata.name = name;
      secret.metadata.namespace_ = ns;
      MarkManaged(secret.metadata, secret_name);
      secret.data = DataOf(rendered);
      auto written = existing.ok() ? api.Replace(ns, secret) : api.Create(ns, secret);
      if (written.ok()) return Status::Ok();
      // A conflict or a create that lost a race: read again (and check the marks again).
      if (!k8s::IsConflict(written.status()) &&
          written.status().code() != StatusCode::kAlreadyExists) {
        return where(written.status());
      }
    }
    return where(Unavailable("gave up after repeated conflicting writes"));
  }

  // Deletes ns/name if VSecM manages it for `secret_name`, at the version checked, so that a
  // Secret replaced between the read and the delete is not deleted unchecked.
  Status RemoveOne(k8s::SecretsApi& api, const std::string& ns, const std::string& name,
                   std::string_view secret_name) {
    const auto where = [&](const Status& s) {
      return s.WithContext(fmt::format("Kubernetes Secret {}/{}", ns, name));
    };
    for (int attempt = 0; attempt < kConflictRetries; ++attempt) {
      auto existing = api.Get(ns, name);
      if (existing.status().code() == StatusCode::kNotFound) return Status::Ok();
      if (!existing.ok()) return where(existing.status());
      VSECM_RETURN_IF_ERROR(CheckManaged(*existing, ns, name, secret_name));
      Status s = api.Delete(ns, name, existing->metadata.resource_version);
      if (s.ok() || s.code() == StatusCode::kNotFound) return Status::Ok();
      if (!k8s::IsConflict(s)) return where(s);
    }
    return where(Unavailable("gave up after repeated conflicting writes"));
  }

  std::unique_ptr<k8s::KubeClient> client_;
  ReservedNamespaces reserved_;
  std::chrono::milliseconds budget_;
};

}  // namespace

KubernetesOptions KubernetesOptionsFromEnv(const kernel::EnvLookup& env) {
  KubernetesOptions o;
  auto flag = env("VSECM_SAFE_KUBERNETES").value_or("");
  o.enabled = env("KUBERNETES_SERVICE_HOST").has_value() || flag == "true" || flag == "1";
  if (auto v = env("KUBECONFIG")) o.kubeconfig = *v;
  if (auto v = env("VSECM_SAFE_STORE_WORKLOAD_SECRET_AS_K8S_SECRET_PREFIX")) o.k8s_secret_prefix = *v;
  if (auto v = env("VSECM_NAMESPACE_SYSTEM")) o.system_namespace = *v;
  o.root_key_secret_name = k8s::RootKeySecretName(env);
  return o;
}

std::string StoreK8sNamespace(const kernel::KernelConfig& config, const kernel::EnvLookup& env) {
  if (config.store.name != "vsecm-store-k8s") return "";
  // The plugin's `namespace` setting: the environment first, then the file (as the kernel
  // resolves plugin settings).
  if (auto v = env("VSECM_NAMESPACE_SYSTEM")) return *v;
  auto it = config.store.settings.find("namespace");
  if (it != config.store.settings.end() && it->second.kind == kernel::ConfigValue::Kind::kString) {
    return it->second.text;
  }
  return "";
}

bool K8sSecretSync::Applies(std::string_view secret_name) const {
  return !prefix_.empty() && secret_name.size() > prefix_.size() &&
         secret_name.substr(0, prefix_.size()) == prefix_;
}

StatusOr<std::unique_ptr<K8sSecretSync>> K8sSecretSync::Open(const KubernetesOptions& options) {
  auto env = kernel::ProcessEnvironment();
  VSECM_ASSIGN_OR_RETURN(k8s::ClusterConfig config,
                         k8s::LoadClusterConfig(options.kubeconfig, k8s::InClusterPaths{}, env));
  // The root key's namespace as root_key_kubernetes.cpp resolves it.
  const std::string pod_namespace = config.in_cluster_namespace;
  const std::string system_namespace = !options.system_namespace.empty() ? options.system_namespace
                                       : !pod_namespace.empty()          ? pod_namespace
                                                                         : "vsecm-system";
  ReservedNamespaces reserved(system_namespace, options.root_key_secret_name);
  reserved.Add(pod_namespace, "the namespace the Safe runs in");
  reserved.Add(options.store_namespace, "where vsecm-store-k8s keeps its records");

  k8s::KubeClient::Options client_options;
  client_options.retry.total_budget = options.api_budget;
  client_options.log = [](kernel::LogLevel level, std::string_view message) {
    kernel::WriteLog(level, "kubernetes", message);
  };
  VSECM_ASSIGN_OR_RETURN(auto client, k8s::KubeClient::Create(std::move(config), client_options));
  return std::unique_ptr<K8sSecretSync>(new ApiServerSync(
      options.k8s_secret_prefix, std::move(client), std::move(reserved), options.api_budget));
}

}  // namespace vsecm::safe
