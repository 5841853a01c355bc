// vsecm-store-k8s: each VSecM secret's cipher text in one Kubernetes Secret of the Safe's
// namespace.
//
// Object layout (all cipher text; this plugin never sees plain text):
//   metadata.name      secret_prefix + EncodeRecordName(name)      (see object_name.hpp)
//   labels             app.kubernetes.io/managed-by=vsecm, vsecm.com/kind=secret-record
//   annotations        vsecm.com/name = the VSecM name (List returns it)
//   data.record        the newest cipher text
//   data.record.1..N   the previous N versions, newest first (backup_count), dropped oldest
//                      first when the Secret would pass the API server's 1 MiB data limit
// A put reads the Secret, then replaces it at the resourceVersion it read (or creates it), so
// concurrent writers never lose an update silently: a 409 re-reads and tries again. The write is
// acknowledged only on the API server's 2xx, i.e. once etcd has it.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <fmt/format.h>

#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/object_name.hpp"
#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/plugin.hpp"

namespace vsecm::k8s {
namespace {

using sdk::ByteView;

constexpr const char* kManagedByLabel = "app.kubernetes.io/managed-by";
constexpr const char* kKindLabel = "vsecm.com/kind";
constexpr const char* kKindValue = "secret-record";
constexpr const char* kNameAnnotation = "vsecm.com/name";
constexpr const char* kRecordKey = "record";
constexpr int kConflictRetries = 10;
constexpr int64_t kMaxBackups = 32;
constexpr std::string_view kSelector =
    "app.kubernetes.io/managed-by=vsecm,vsecm.com/kind=secret-record";

std::string BackupKey(int64_t i) { return fmt::format("{}.{}", kRecordKey, i); }

int64_t Bounded(int64_t v, int64_t lo, int64_t hi, const char* key) {
  if (v < lo || v > hi) {
    throw StatusError(InvalidArgument(fmt::format("{} must be between {} and {}, not {}", key, lo,
                                                  hi, v)));
  }
  return v;
}

sdk::LogLevel ToSdk(kernel::LogLevel level) {
  switch (level) {
    case kernel::LogLevel::kDebug: return sdk::LogLevel::kDebug;
    case kernel::LogLevel::kInfo: return sdk::LogLevel::kInfo;
    case kernel::LogLevel::kWarn: return sdk::LogLevel::kWarn;
    case kernel::LogLevel::kError: return sdk::LogLevel::kError;
  }
  return sdk::LogLevel::kInfo;
}

}  // namespace

class K8sStore final : public sdk::StorePlugin {
 public:
  static constexpr const char* kName = "vsecm-store-k8s";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "keeps each secret's cipher text in a Kubernetes Secret of the Safe's namespace";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;
  static constexpr vsecm_config_field kConfig[] = {
      {"namespace", VSECM_CONFIG_STRING, 0, nullptr, "VSECM_NAMESPACE_SYSTEM",
       "namespace of the record Secrets (default: the pod's own namespace, else vsecm-system)"},
      {"kubeconfig", VSECM_CONFIG_STRING, 0, nullptr, "KUBECONFIG",
       "kubeconfig file, to run outside a cluster (default: the in-cluster service account)"},
      {"secret_prefix", VSECM_CONFIG_STRING, 0, "vsecm-secret-", nullptr,
       "prefix of the record Secrets' names ([a-z0-9][a-z0-9-]*)"},
      {"backup_count", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT",
       "previous versions kept in each record Secret"},
      {"request_timeout_ms", VSECM_CONFIG_INTEGER, 0, "10000", nullptr,
       "deadline of one request to the API server"},
      {"retry_max_attempts", VSECM_CONFIG_INTEGER, 0, "6", nullptr,
       "sends per request when the API server answers 429/5xx or cannot be reached"},
      {"retry_initial_backoff_ms", VSECM_CONFIG_INTEGER, 0, "200", nullptr,
       "first wait between retries (doubled each time, with jitter)"},
      {"retry_max_backoff_ms", VSECM_CONFIG_INTEGER, 0, "10000", nullptr,
       "longest wait between retries (Retry-After may ask for up to 30 s)"},
      {"retry_budget_ms", VSECM_CONFIG_INTEGER, 0, "30000", nullptr,
       "the most one store operation may take, every request, retry and wait included"},
      {"token_recheck_seconds", VSECM_CONFIG_INTEGER, 0, "60", nullptr,
       "how often the token file is checked for rotation (a 401 re-reads it at once)"},
  };

  explicit K8sStore(sdk::Host host) : StorePlugin(host) {
    prefix_ = host.ConfigString("secret_prefix", "vsecm-secret-");
    if (Status s = CheckObjectNamePrefix(prefix_); !s.ok()) throw StatusError(s);
    backups_ = Bounded(host.ConfigInt("backup_count", 3), 0, kMaxBackups, "backup_count");

    std::string kubeconfig = host.ConfigString("kubeconfig");
    kubeconfig = kubeconfig.substr(0, kubeconfig.find(':'));  // KUBECONFIG may be a list
    auto cluster = LoadClusterConfig(kubeconfig, InClusterPaths{}, kernel::ProcessEnvironment());
    if (!cluster.ok()) throw StatusError(cluster.status());
    const std::string source = cluster->source;

    namespace_ = host.ConfigString("namespace");
    if (namespace_.empty()) namespace_ = cluster->in_cluster_namespace;
    if (namespace_.empty()) namespace_ = "vsecm-system";
    if (!IsDnsLabel(namespace_)) {
      throw StatusError(InvalidArgument(
          fmt::format("namespace {:?} is not a DNS label", namespace_.substr(0, 80))));
    }

    KubeClient::Options options;
    options.request_timeout = std::chrono::milliseconds(
        Bounded(host.ConfigInt("request_timeout_ms", 10000), 100, 600000, "request_timeout_ms"));
    options.token_recheck = std::chrono::seconds(
        Bounded(host.ConfigInt("token_recheck_seconds", 60), 1, 86400, "token_recheck_seconds"));
    options.retry.max_attempts = static_cast<int>(
        Bounded(host.ConfigInt("retry_max_attempts", 6), 1, 100, "retry_max_attempts"));
    options.retry.initial_backoff = std::chrono::milliseconds(Bounded(
        host.ConfigInt("retry_initial_backoff_ms", 200), 0, 600000, "retry_initial_backoff_ms"));
    options.retry.max_backoff = std::chrono::milliseconds(
        Bounded(host.ConfigInt("retry_max_backoff_ms", 10000), 0, 600000, "retry_max_backoff_ms"));
    options.retry.total_budget = std::chrono::milliseconds(
        Bounded(host.ConfigInt("retry_budget_ms", 30000), 100, 3600000, "retry_budget_ms"));
    options.log = [host](kernel::LogLevel level, std::string_view m) { host.Log(ToSdk(level), m); };
    auto client = KubeClient::Create(std::move(cluster).value(), std::move(options));
    if (!client.ok()) throw StatusError(client.status());
    client_ = std::move(client).value();
    api_ = std::make_unique<SecretsApi>(*client_);
    host.Log(sdk::LogLevel::kInfo,
             fmt::format("record Secrets {}* in namespace {} on {} ({}); {} backups each", prefix_,
                         namespace_, client_->server(), source, backups_));
  }

  Status Put(std::string_view name, ByteView ciphertext) override {
    VSECM_RETURN_IF_ERROR(CheckRecordName(name));
    if (ciphertext.size() > kMaxSecretDataBytes) {
      return ResourceExhausted(fmt::format(
          "a record of {} bytes is larger than a Kubernetes Secret can hold ({} bytes)",
          ciphertext.size(), kMaxSecretDataBytes));
    }
    const std::string object = EncodeRecordName(prefix_, name);
    // One budget for the whole read-modify-write, conflict retries included.
    SecretsApi api(*client_, client_->DeadlineAfter(client_->retry_policy().total_budget));
    for (int attempt = 0; attempt <= kConflictRetries; ++attempt) {
      auto current = api.Get(namespace_, object);
      if (!current.ok() && current.status().code() != StatusCode::kNotFound) {
        return current.status();
      }
      if (!current.ok()) {
        Secret fresh;
        fresh.metadata.name = object;
        fresh.metadata.labels = {{kManagedByLabel, "vsecm"}, {kKindLabel, kKindValue}};
        fresh.metadata.annotations = {{kNameAnnotation, std::string(name)}};
        fresh.data.emplace(kRecordKey, kernel::SecretBytes::CopyOf(ciphertext));
        auto created = api.Create(namespace_, fresh);
        if (created.ok()) return Status::Ok();
        if (created.status().code() == StatusCode::kAlreadyExists) {  // raced another writer
          ConflictPause(attempt);
          continue;
        }
        return created.status();
      }
      Secret secret = std::move(current).value();
      VSECM_RETURN_IF_ERROR(CheckOwned(secret, name));
      Rotate(secret, ciphertext);
      auto replaced = api.Replace(namespace_, secret);
      if (replaced.ok()) return Status::Ok();
      if (!IsConflict(replaced.status())) return replaced.status();
      ConflictPause(attempt);
    }
    return Unavailable(fmt::format("secret {}/{}: still conflicting with other writers after {} "
                                   "attempts",
                                   namespace_, object, kConflictRetries + 1));
  }

  Status Get(std::string_view name, sdk::Sink& out) override {
    VSECM_RETURN_IF_ERROR(CheckRecordName(name));
    const std::string object = EncodeRecordName(prefix_, name);
    VSECM_ASSIGN_OR_RETURN(Secret secret, api_->Get(namespace_, object));
    VSECM_RETURN_IF_ERROR(CheckOwned(secret, name));
    if (auto it = secret.data.find(kRecordKey); it != secret.data.end()) {
      out.Write(it->second.Expose());
      return Status::Ok();
    }
    for (int64_t i = 1; i <= kMaxBackups; ++i) {
      auto it = secret.data.find(BackupKey(i));
      if (it == secret.data.end()) continue;
      host().Log(sdk::LogLevel::kWarn,
                 fmt::format("secret {}/{} has no current record; serving backup {}", namespace_,
                             object, i));
      out.Write(it->second.Expose());
      return Status::Ok();
    }
    return DataLoss(fmt::format("secret {}/{} holds no readable record", namespace_, object));
  }

  Status Remove(std::string_view name) override {
    VSECM_RETURN_IF_ERROR(CheckRecordName(name));
    Status s = api_->Delete(namespace_, EncodeRecordName(prefix_, name));
    return s.code() == StatusCode::kNotFound ? Status::Ok() : s;
  }

  Status List(const std::function<Status(std::string_view name)>& visit) override {
    VSECM_ASSIGN_OR_RETURN(std::vector<ObjectMeta> items, api_->ListMetadata(namespace_, kSelector));
    for (const ObjectMeta& meta : items) {
      auto it = meta.annotations.find(kNameAnnotation);
      const bool ours = it != meta.annotations.end() && CheckRecordName(it->second).ok() &&
                        EncodeRecordName(prefix_, it->second) == meta.name;
      if (!ours) {
        // Another store's prefix, or an object edited by hand: not a record of this store.
        if (meta.name.rfind(prefix_, 0) == 0) {
          host().Log(sdk::LogLevel::kWarn,
                     fmt::format("secret {}/{} is labelled as a record but its {} annotation "
                                 "does not match its name; skipped",
                                 namespace_, meta.name, kNameAnnotation));
        }
        continue;
      }
      VSECM_RETURN_IF_ERROR(visit(it->second));
    }
    return Status::Ok();
  }

 private:
  // The object must be a record of this store for this very name (a hand-made Secret of the
  // same name is never overwritten or served).
  Status CheckOwned(const Secret& secret, std::string_view name) const {
    auto managed = secret.metadata.labels.find(kManagedByLabel);
    auto annotation = secret.metadata.annotations.find(kNameAnnotation);
    if (managed == secret.metadata.labels.end() || managed->second != "vsecm" ||
        annotation == secret.metadata.annotations.end()) {
      return FailedPrecondition(fmt::format(
          "secret {}/{} exists but is not a VSecM record (no {}=vsecm label or {} annotation); "
          "it is left alone",
          namespace_, secret.metadata.name, kManagedByLabel, kNameAnnotation));
    }
    if (annotation->second != name) {
      return FailedPrecondition(fmt::format("secret {}/{} holds the record of another name",
                                            namespace_, secret.metadata.name));
    }
    return Status::Ok();
  }

  // Writers that keep colliding on one Secret would collide again in lockstep: wait a random
  // moment, growing with each attempt (at most kConflictRetries x 50 ms in all).
  void ConflictPause(int attempt) {
    const int64_t cap = std::min<int64_t>(50, client_->retry_policy().initial_backoff.count() + 1);
    uint64_t r = 0;
    host().Random({reinterpret_cast<uint8_t*>(&r), sizeof r});
    const int64_t ms = static_cast<int64_t>(r % static_cast<uint64_t>(cap * (attempt + 1) + 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }

  // New record first, then the previous versions, newest first, as many as fit.
  void Rotate(Secret& secret, ByteView ciphertext) const {
    std::vector<kernel::SecretBytes> versions;
    if (auto it = secret.data.find(kRecordKey); it != secret.data.end()) {
      versions.push_back(std::move(it->second));
    }
    for (int64_t i = 1; i <= kMaxBackups; ++i) {
      auto it = secret.data.find(BackupKey(i));
      if (it != secret.data.end()) versions.push_back(std::move(it->second));
    }
    secret.data.clear();
    size_t total = ciphertext.size();
    secret.data.emplace(kRecordKey, kernel::SecretBytes::CopyOf(ciphertext));
    int64_t kept = 0;
    for (auto& v : versions) {
      if (kept == backups_ || total + v.size() > kMaxSecretDataBytes) break;
      total += v.size();
      secret.data.emplace(BackupKey(++kept), std::move(v));
    }
  }

  std::string prefix_;
  std::string namespace_;
  int64_t backups_ = 3;
  std::unique_ptr<KubeClient> client_;
  std::unique_ptr<SecretsApi> api_;
};

}  // namespace vsecm::k8s

VSECM_DEFINE_PLUGIN(vsecm::k8s::K8sStore)
