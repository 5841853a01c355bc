// The Safe's secrets, in memory. Every write is rendered (transform plugin), serialized,
// encrypted (crypto plugin) and made durable (store plugin) before it is published and
// acknowledged; only cipher text ever reaches the store. Recovery reads the store back.
//
// THREADING: all methods are thread-safe. Readers take a shared lock only long enough to copy a
// pointer, so they never wait for a writer's encryption or disk I/O. Writers to the same name
// are serialized by striped locks; writers to different names proceed in parallel. No kernel
// lock is held while a plugin is called except the writer's own stripe.
#ifndef VSECM_KERNEL_SECRET_REGISTRY_HPP_
#define VSECM_KERNEL_SECRET_REGISTRY_HPP_

#include <array>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/providers.hpp"
#include "vsecm/kernel/secret_record.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/kernel/timestamp.hpp"

namespace vsecm::kernel {

// Who asks, and the id that ties their request's audit events together.
struct Caller {
  std::string actor;           // SPIFFE ID, or "kernel"
  std::string correlation_id;  // NewCorrelationId() when empty
};

enum class UpsertMode { kReplace, kAppend };

struct UpsertRequest {
  std::vector<std::string> workloads;  // one secret per workload name
  std::vector<SecretBytes> values;     // at least one; kAppend adds them to existing values
  UpsertMode mode = UpsertMode::kReplace;
  std::vector<std::string> namespaces;
  bool bind_namespaces = false;  // see SecretRecord::namespaces_bound
  std::string template_text;
  std::string format;  // "", "json", "yaml", "raw"
  std::optional<Timestamp> not_before;
  std::optional<Timestamp> expires_after;
};

// A secret as a workload receives it.
struct SecretView {
  std::string name;
  SecretBytes data;  // the rendered value
  Timestamp created;
  Timestamp updated;
};

// A secret as Sentinel lists it: no value.
struct SecretSummary {
  std::string name;
  std::vector<std::string> namespaces;
  Timestamp created;
  Timestamp updated;
  std::optional<Timestamp> not_before;
  std::optional<Timestamp> expires_after;
  bool namespaces_bound = false;
};

struct RecoveryReport {
  size_t loaded = 0;
  std::vector<std::pair<std::string, Status>> failed;  // record name, why it was not loaded
};

// Store record names: 1–250 bytes of [A-Za-z0-9._:@+=,-], not starting with '.'.
Status ValidateSecretName(std::string_view name);

class SecretRegistry {
 public:
  // The providers and the audit sink must outlive the registry. `transform` may be null: values
  // are then served as stored, and a request with a template or format is refused.
  SecretRegistry(CryptoProvider& crypto, StoreProvider& store, TransformProvider* transform,
                 AuditSink& audit);
  SecretRegistry(const SecretRegistry&) = delete;
  SecretRegistry& operator=(const SecretRegistry&) = delete;

  // Validates everything first (a bad request changes nothing), then writes each workload's
  // record durably and publishes it. Returns only after every record is durable.
  Status Upsert(const Caller& caller, const UpsertRequest& request);

  // Removes the secrets durably. Names that do not exist are not an error.
  Status Delete(const Caller& caller, const std::vector<std::string>& names);

  // The rendered secret of `name`; kNotFound when absent, not yet valid, or expired. A workload
  // reading its own secret passes the namespace its SPIFFE ID names ("" for none): a secret
  // whose namespaces are bound is then kNotFound unless it is one of them. nullopt: read on
  // the Safe's own behalf (Sentinel's keystone check), with no namespace binding.
  StatusOr<SecretView> Read(const Caller& caller, std::string_view name,
                            std::optional<std::string_view> workload_namespace = std::nullopt) const;

  std::vector<SecretSummary> List(const Caller& caller) const;

  // Every secret's newest value encrypted with the Safe's key, for Sentinel's "reveal" listing
  // (VSecM's `?reveal=true`): the cipher text can be stored back with an `encrypt` upsert.
  StatusOr<std::vector<std::pair<SecretSummary, Bytes>>> ListEncrypted(const Caller& caller) const;

  // Encrypts a value with the Safe's key without storing anything (VSecM's `encrypt` without
  // workloads), and the reverse for a value given in that form. Both are audited, success
  // included: a decryption turns submitted cipher text into plain text.
  StatusOr<Bytes> EncryptValue(const Caller& caller, std::span<const uint8_t> value) const;
  StatusOr<SecretBytes> DecryptValue(const Caller& caller, std::span<const uint8_t> ciphertext) const;

  // Loads every record from the store into memory. Records that cannot be read, decrypted or
  // decoded are reported (and audited), not silently dropped, and do not stop the others.
  RecoveryReport Recover();

  size_t size() const;

 private:
  struct Entry {
    SecretRecord record;
    SecretBytes rendered;
  };
  using EntryPtr = std::shared_ptr<const Entry>;

  StatusOr<SecretBytes> Render(const SecretRecord& record) const;
  StatusOr<EntryPtr> Find(std::string_view name) const;
  std::mutex& StripeFor(std::string_view name) const;
  void Audit(const Caller& caller, AuditAction action, std::string_view target, const Status& s) const;

  CryptoProvider& crypto_;
  StoreProvider& store_;
  TransformProvider* transform_;
  AuditSink& audit_;

  mutable std::shared_mutex map_mutex_;
  std::unordered_map<std::string, EntryPtr> entries_;  // guarded by map_mutex_
  mutable std::array<std::mutex, 64> write_stripes_;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_SECRET_REGISTRY_HPP_
