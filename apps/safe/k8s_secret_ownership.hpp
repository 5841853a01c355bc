// Which Kubernetes Secrets a `k8s:` secret may write. VSecM overwrites whatever Secret has the
// name; the Safe's RBAC reaches its own root key Secret, the k8s store's records and every
// Secret of the namespaces the chart grants, so here a `k8s:` secret only ever writes:
//
// - a Secret that does not exist yet (it is created carrying the marks below), or
// - a Secret that carries both marks for this very VSecM secret:
//     label       app.kubernetes.io/managed-by=vsecm
//     annotation  vsecm.com/secret-name=<the VSecM name, e.g. k8s:db-creds>
//   (the older label app.kubernetes.io/operated-by=vsecm is still set, for selectors that use
//   it, but proves nothing: the root key Secret, for one, is managed-by=vsecm too);
//
// and never anything in a namespace where the Safe keeps Secrets of its own (its system
// namespace with the root key, the namespace it runs in, the k8s store's namespace), whatever
// the name: a rule on namespaces needs no list of the Safe's names to stay right.
#ifndef VSECM_APPS_SAFE_K8S_SECRET_OWNERSHIP_HPP_
#define VSECM_APPS_SAFE_K8S_SECRET_OWNERSHIP_HPP_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

inline constexpr std::string_view kManagedByLabel = "app.kubernetes.io/managed-by";
inline constexpr std::string_view kOperatedByLabel = "app.kubernetes.io/operated-by";
inline constexpr std::string_view kManagedByValue = "vsecm";
inline constexpr std::string_view kSecretNameAnnotation = "vsecm.com/secret-name";

// The namespaces no `k8s:` secret is written in, each with the reason given when one is asked
// for, and the root key Secret's own name (for a message that says what it is).
class ReservedNamespaces {
 public:
  ReservedNamespaces(std::string root_key_namespace, std::string root_key_name)
      : root_key_namespace_(std::move(root_key_namespace)),
        root_key_name_(std::move(root_key_name)) {
    Add(root_key_namespace_, "the Safe's own namespace (VSECM_NAMESPACE_SYSTEM), where it keeps "
                             "its root key Secret");
  }
  // Ignored when empty or already reserved (the first reason stays).
  void Add(const std::string& ns, std::string why);

  // kInvalidArgument naming ns/name when `ns` is reserved.
  Status Check(std::string_view ns, std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }

 private:
  std::string root_key_namespace_;
  std::string root_key_name_;
  std::vector<std::pair<std::string, std::string>> entries_;  // namespace, why
};

// Ok when `existing` (read from ns/name) carries both marks for `vsecm_name`; else
// kFailedPrecondition naming ns/name and saying it "exists and is not managed by VSecM".
Status CheckManaged(const k8s::Secret& existing, std::string_view ns, std::string_view name,
                    std::string_view vsecm_name);

// Sets both labels and the annotation on a Secret written for `vsecm_name`.
void MarkManaged(k8s::ObjectMeta& metadata, std::string_view vsecm_name);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_K8S_SECRET_OWNERSHIP_HPP_
