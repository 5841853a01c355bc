#include "k8s_secret_ownership.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace vsecm::safe {

void ReservedNamespaces::Add(const std::string& ns, std::string why) {
  if (ns.empty()) return;
  const bool known = std::any_of(entries_.begin(), entries_.end(),
                                 [&](const auto& entry) { return entry.first == ns; });
  if (!known) entries_.emplace_back(ns, std::move(why));
}

Status ReservedNamespaces::Check(std::string_view ns, std::string_view name) const {
  if (ns == root_key_namespace_ && name == root_key_name_) {
    return InvalidArgument(fmt::format(
        "Kubernetes Secret {}/{} is the Safe's root key Secret: a `k8s:` secret may never "
        "write it (nor anything else in namespace {})",
        ns, name, ns));
  }
  for (const auto& [reserved, why] : entries_) {
    if (ns != reserved) continue;
    return InvalidArgument(fmt::format(
        "Kubernetes Secret {}/{}: namespace {} is {}; `k8s:` secrets are never written there",
        ns, name, ns, why));
  }
  return Status::Ok();
}

Status CheckManaged(const k8s::Secret& existing, std::string_view ns, std::string_view name,
                    std::string_view vsecm_name) {
  const k8s::ObjectMeta& meta = existing.metadata;
  const auto label = meta.labels.find(std::string(kManagedByLabel));
  const auto note = meta.annotations.find(std::string(kSecretNameAnnotation));
  const bool labelled = label != meta.labels.end() && label->second == kManagedByValue;
  const bool annotated = note != meta.annotations.end();
  if (labelled && annotated && note->second == vsecm_name) return Status::Ok();
  std::string why;
  if (labelled && annotated) {
    why = fmt::format("its {} annotation names another VSecM secret", kSecretNameAnnotation);
  } else {
    why = fmt::format("it lacks the {}={} label and the {}: {} annotation VSecM writes",
                      kManagedByLabel, kManagedByValue, kSecretNameAnnotation, vsecm_name);
  }
  return FailedPrecondition(fmt::format(
      "Kubernetes Secret {}/{} exists and is not managed by VSecM ({}); it is left unchanged",
      ns, name, why));
}

void MarkManaged(k8s::ObjectMeta& metadata, std::string_view vsecm_name) {
  metadata.labels[std::string(kManagedByLabel)] = std::string(kManagedByValue);
  metadata.labels[std::string(kOperatedByLabel)] = std::string(kManagedByValue);
  metadata.annotations[std::string(kSecretNameAnnotation)] = std::string(vsecm_name);
}

}  // namespace vsecm::safe
