#include "vsecm/sdk/record_name.hpp"
#include "vsecm/kernel/secret_registry.hpp"

#include <algorithm>
#include <functional>
#include <thread>

#include <fmt/format.h>

#include "parallel_for.hpp"

namespace vsecm::kernel {
namespace {

Timestamp Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

Status ValidateRequest(const UpsertRequest& r, bool have_transform) {
  if (r.workloads.empty()) return InvalidArgument("no workloads given");
  for (const std::string& w : r.workloads) {
    VSECM_RETURN_IF_ERROR(ValidateSecretName(w).WithContext("workloads"));
  }
  if (r.values.empty()) return InvalidArgument("no value given");
  if (!IsKnownFormat(r.format)) {
    return InvalidArgument(fmt::format(
        "format \"{}\" is not one of json, yaml, raw, none (each optionally +base64)", r.format));
  }
  if (!have_transform && (!r.template_text.empty() || !r.format.empty())) {
    return FailedPrecondition("a template or format was given but no transform plugin is configured");
  }
  for (const std::string& ns : r.namespaces) {
    VSECM_RETURN_IF_ERROR(ValidateSecretName(ns).WithContext("namespaces"));
  }
  if (r.not_before && r.expires_after && *r.expires_after <= *r.not_before) {
    return InvalidArgument("expires is not after notBefore");
  }
  return Status::Ok();
}

// One thread per core (at most 8: beyond that the store's disk is the limit), and none extra
// for a small store, where starting threads would cost more than it saves.
size_t RecoveryThreads(size_t records) {
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<size_t>(records / 64, 1, std::min<size_t>(cores, 8));
}

}  // namespace

Status ValidateSecretName(std::string_view name) { return sdk::CheckRecordName(name); }

SecretRegistry::SecretRegistry(CryptoProvider& crypto, StoreProvider& store,
                               TransformProvider* transform, AuditSink& audit)
    : crypto_(crypto), store_(store), transform_(transform), audit_(audit) {}

std::mutex& SecretRegistry::StripeFor(std::string_view name) const {
  return write_stripes_[std::hash<std::string_view>{}(name) % write_stripes_.size()];
}

void SecretRegistry::Audit(const Caller& caller, AuditAction action, std::string_view target,
                           const Status& s) const {
  AuditEvent e;
  e.time = Now();
  e.correlation_id = caller.correlation_id;
  e.actor = caller.actor;
  e.action = action;
  e.target = std::string(target);
  // Denied: the kernel refused the request. Failure: it tried and could not.
  e.outcome = s.ok() ? AuditOutcome::kSuccess
              : action == AuditAction::kRefuse || s.code() == StatusCode::kPermissionDenied
                  ? AuditOutcome::kDenied
                  : AuditOutcome::kFailure;
  e.reason = s.ok() ? std::string() : s.ToString();
  audit_.Record(e);
}

StatusOr<SecretBytes> SecretRegistry::Render(const SecretRecord& record) const {
  // A workload receives the newest value, rendered through its template and format.
  const SecretBytes& value = record.values.back();
  if (transform_ == nullptr) return value.Clone();
  return transform_->Apply(value.Expose(), record.template_text, record.format);
}

StatusOr<SecretRegistry::EntryPtr> SecretRegistry::Find(std::string_view name) const {
  std::shared_lock lock(map_mutex_);
  auto it = entries_.find(std::string(name));
  if (it == entries_.end()) return NotFound(fmt::format("no secret for \"{}\"", name));
  return it->second;
}

Status SecretRegistry::Upsert(const Caller& caller, const UpsertRequest& request) {
  std::string targets = fmt::format("{}", fmt::join(request.workloads, ","));
  if (Status s = ValidateRequest(request, transform_ != nullptr); !s.ok()) {
    Audit(caller, AuditAction::kRefuse, targets, s);
    return s;
  }
  // Lock each distinct stripe once, in address order, so concurrent multi-name upserts cannot
  // deadlock.
  std::vector<std::mutex*> stripes;
  for (const std::string& w : request.workloads) stripes.push_back(&StripeFor(w));
  std::sort(stripes.begin(), stripes.end());
  stripes.erase(std::unique(stripes.begin(), stripes.end()), stripes.end());
  std::vector<std::unique_lock<std::mutex>> held;
  for (std::mutex* m : stripes) held.emplace_back(*m);

  // Phase 1: build, render and encrypt every record. Nothing is written yet, so a bad template
  // or a crypto failure changes nothing.
  struct Prepared {
    std::shared_ptr<Entry> entry;
    Bytes ciphertext;
    bool existed;
  };
  std::vector<Prepared> prepared;
  const Timestamp now = Now();
  for (const std::string& name : request.workloads) {
    auto existing = Find(name);
    auto entry = std::make_shared<Entry>();
    SecretRecord& r = entry->record;
    r.name = name;
    if (request.mode == UpsertMode::kAppend && existing.ok()) {
      for (const SecretBytes& v : (*existing)->record.values) r.values.push_back(v.Clone());
    }
    for (const SecretBytes& v : request.values) r.values.push_back(v.Clone());
    r.namespaces = request.namespaces;
    r.namespaces_bound = request.bind_namespaces;
    r.template_text = request.template_text;
    r.format = request.format;
    r.correlation_id = caller.correlation_id;
    r.created = existing.ok() ? (*existing)->record.created : now;
    r.updated = now;
    r.not_before = request.not_before;
    r.expires_after = request.expires_after;

    auto rendered = Render(r);
    if (!rendered.ok()) {
      // A transform limit (output size, depth, memory) is hit by what this request asks for:
      // the request is refused, the Safe did not fail.
      Status why = rendered.status().code() == StatusCode::kResourceExhausted
                       ? InvalidArgument("a transform limit was reached: " +
                                         rendered.status().message())
                       : rendered.status();
      Status s = why.WithContext(fmt::format("rendering \"{}\"", name));
      Audit(caller, AuditAction::kRefuse, name, s);
      return s;
    }
    entry->rendered = std::move(rendered).value();
    SecretBytes plain = EncodeRecord(r);
    auto ciphertext = crypto_.Encrypt(plain.Expose());
    if (!ciphertext.ok()) {
      Status s = ciphertext.status().WithContext(fmt::format("encrypting \"{}\"", name));
      Audit(caller, existing.ok() ? AuditAction::kUpdate : AuditAction::kCreate, name, s);
      return s;
    }
    prepared.push_back({std::move(entry), std::move(ciphertext).value(), existing.ok()});
  }

  // Phase 2: make each record durable, then publish it. Readers see a record only once the
  // store has acknowledged it.
  std::vector<std::string> written;
  for (Prepared& p : prepared) {
    const std::string& name = p.entry->record.name;
    AuditAction action = p.existed ? AuditAction::kUpdate : AuditAction::kCreate;
    if (Status s = store_.Put(name, p.ciphertext); !s.ok()) {
      std::string context = written.empty()
                                ? fmt::format("storing \"{}\"", name)
                                : fmt::format("storing \"{}\" (already stored: {})", name,
                                              fmt::join(written, ","));
      s = s.WithContext(context);
      Audit(caller, action, name, s);
      return s;
    }
    {
      std::unique_lock lock(map_mutex_);
      entries_[name] = std::move(p.entry);
    }
    written.push_back(name);
    Audit(caller, action, name, Status::Ok());
  }
  return Status::Ok();
}

Status SecretRegistry::Delete(const Caller& caller, const std::vector<std::string>& names) {
  if (names.empty()) {
    Status s = InvalidArgument("no workloads given");
    Audit(caller, AuditAction::kRefuse, "", s);
    return s;
  }
  for (const std::string& name : names) {
    if (Status s = ValidateSecretName(name).WithContext("workloads"); !s.ok()) {
      Audit(caller, AuditAction::kRefuse, name, s);
      return s;
    }
  }
  for (const std::string& name : names) {
    std::lock_guard stripe(StripeFor(name));
    if (Status s = store_.Remove(name); !s.ok()) {
      s = s.WithContext(fmt::format("deleting \"{}\"", name));
      Audit(caller, AuditAction::kDelete, name, s);
      return s;
    }
    {
      std::unique_lock lock(map_mutex_);
      entries_.erase(name);
    }
    Audit(caller, AuditAction::kDelete, name, Status::Ok());
  }
  return Status::Ok();
}

StatusOr<SecretView> SecretRegistry::Read(const Caller& caller, std::string_view name,
                                          std::optional<std::string_view> workload_namespace) const {
  auto found = Find(name);
  Status s = found.status();
  if (found.ok()) {
    const SecretRecord& r = (*found)->record;
    Timestamp now = Now();
    if (r.namespaces_bound && workload_namespace &&
        std::find(r.namespaces.begin(), r.namespaces.end(), *workload_namespace) ==
            r.namespaces.end()) {
      // Answered as an absent secret is: a workload learns nothing of other namespaces.
      s = NotFound(fmt::format("no secret for \"{}\" in namespace \"{}\"", name,
                               workload_namespace->substr(0, 253)));
    } else if (r.not_before && now < *r.not_before) {
      s = NotFound(fmt::format("the secret for \"{}\" is not valid before {}", name,
                               FormatRfc3339(*r.not_before)));
    } else if (r.expires_after && now > *r.expires_after) {
      s = NotFound(fmt::format("the secret for \"{}\" expired at {}", name,
                               FormatRfc3339(*r.expires_after)));
    }
  }
  Audit(caller, AuditAction::kRead, name, s);
  if (!s.ok()) return s;
  const Entry& e = **found;
  return SecretView{e.record.name, e.rendered.Clone(), e.record.created, e.record.updated};
}

std::vector<SecretSummary> SecretRegistry::List(const Caller& caller) const {
  std::vector<EntryPtr> snapshot;
  {
    std::shared_lock lock(map_mutex_);
    for (const auto& [name, entry] : entries_) snapshot.push_back(entry);
  }
  std::vector<SecretSummary> out;
  for (const EntryPtr& e : snapshot) {
    const SecretRecord& r = e->record;
    out.push_back({r.name, r.namespaces, r.created, r.updated, r.not_before, r.expires_after,
                   r.namespaces_bound});
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.name < b.name; });
  Audit(caller, AuditAction::kList, "*", Status::Ok());
  return out;
}

StatusOr<std::vector<std::pair<SecretSummary, Bytes>>> SecretRegistry::ListEncrypted(
    const Caller& caller) const {
  std::vector<EntryPtr> snapshot;
  {
    std::shared_lock lock(map_mutex_);
    for (const auto& [name, entry] : entries_) snapshot.push_back(entry);
  }
  std::vector<std::pair<SecretSummary, Bytes>> out;
  for (const EntryPtr& e : snapshot) {
    const SecretRecord& r = e->record;
    auto ciphertext = crypto_.Encrypt(r.values.back().Expose());
    if (!ciphertext.ok()) {
      Audit(caller, AuditAction::kList, "*", ciphertext.status());
      return ciphertext.status();
    }
    out.emplace_back(SecretSummary{r.name, r.namespaces, r.created, r.updated, r.not_before,
                                   r.expires_after, r.namespaces_bound},
                     std::move(ciphertext).value());
  }
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first.name < b.first.name; });
  Audit(caller, AuditAction::kList, "* (encrypted values)", Status::Ok());
  return out;
}

StatusOr<Bytes> SecretRegistry::EncryptValue(const Caller& caller,
                                             std::span<const uint8_t> value) const {
  auto out = crypto_.Encrypt(value);
  Audit(caller, AuditAction::kEncrypt, "", out.status());
  return out;
}

StatusOr<SecretBytes> SecretRegistry::DecryptValue(const Caller& caller,
                                                   std::span<const uint8_t> ciphertext) const {
  auto out = crypto_.Decrypt(ciphertext);
  if (out.ok()) {
    Audit(caller, AuditAction::kDecrypt, "encrypted value", Status::Ok());
  } else {
    Audit(caller, AuditAction::kRefuse, "encrypted value", out.status());
  }
  return out;
}

RecoveryReport SecretRegistry::Recover() {
  RecoveryReport report;
  Caller kernel{"kernel", NewCorrelationId()};
  auto names = store_.List();
  if (!names.ok()) {
    report.failed.emplace_back("*", names.status());
    Audit(kernel, AuditAction::kRecover, "*", names.status());
    return report;
  }
  auto load = [&](const std::string& name) -> StatusOr<EntryPtr> {
    VSECM_RETURN_IF_ERROR(ValidateSecretName(name));
    VSECM_ASSIGN_OR_RETURN(Bytes ciphertext, store_.Get(name));
    VSECM_ASSIGN_OR_RETURN(SecretBytes plain, crypto_.Decrypt(ciphertext));
    VSECM_ASSIGN_OR_RETURN(SecretRecord record, DecodeRecord(plain.Expose()));
    if (record.name != name) {
      return DataLoss(fmt::format("the record stored as \"{}\" names \"{}\"", name, record.name));
    }
    if (record.values.empty()) return DataLoss("the record holds no value");
    auto entry = std::make_shared<Entry>();
    VSECM_ASSIGN_OR_RETURN(entry->rendered, Render(record));
    entry->record = std::move(record);
    return EntryPtr(std::move(entry));
  };
  // Each record is read, decrypted (a key agreement for age) and decoded independently: on
  // several cores at once, since start-up with many secrets is bound by exactly that work.
  std::vector<EntryPtr> loaded(names->size());
  std::vector<Status> errors(names->size());
  internal::ParallelFor(names->size(), RecoveryThreads(names->size()), [&](size_t i) {
    try {
      StatusOr<EntryPtr> entry = load((*names)[i]);
      if (entry.ok()) {
        loaded[i] = std::move(entry).value();
      } else {
        errors[i] = entry.status();
      }
    } catch (const std::exception& e) {  // bad_alloc from a huge record: that record fails
      errors[i] = ResourceExhausted(fmt::format("cannot load the record: {}", e.what()));
    }
  });
  {
    std::unique_lock lock(map_mutex_);
    entries_.reserve(entries_.size() + names->size());
    for (size_t i = 0; i < names->size(); ++i) {
      if (loaded[i] == nullptr) continue;
      entries_[(*names)[i]] = std::move(loaded[i]);
      ++report.loaded;
    }
  }
  for (size_t i = 0; i < names->size(); ++i) {  // in the store's order, after the lock
    if (errors[i].ok()) continue;
    report.failed.emplace_back((*names)[i], errors[i]);
    Audit(kernel, AuditAction::kRecover, (*names)[i], errors[i]);
  }
  Audit(kernel, AuditAction::kRecover, "*",
        report.failed.empty() ? Status::Ok()
                              : DataLoss(fmt::format("{} records could not be loaded",
                                                     report.failed.size())));
  return report;
}

size_t SecretRegistry::size() const {
  std::shared_lock lock(map_mutex_);
  return entries_.size();
}

}  // namespace vsecm::kernel
