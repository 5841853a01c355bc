// The typed Secrets API (core/v1): get, create, replace, delete, list.
//
// Secret data values are kernel::SecretBytes: a Secret's data is plain text to anyone who can
// read it, so request and response bodies are built and parsed in wiping buffers and the
// base64 is decoded straight into secure memory.
//
// Errors name the verb (as RBAC spells it), the namespace/name, the HTTP status and the API
// server's reason and message, and never a data value. Status codes:
//   404 → kNotFound;  409 AlreadyExists → kAlreadyExists;  409 Conflict (resourceVersion) →
//   kFailedPrecondition (IsConflict() tells);  401/403 → kPermissionDenied (says what RBAC must
//   allow);  400/422 → kInvalidArgument;  413 → kResourceExhausted;  429/5xx after the retries
//   and transport failures → kUnavailable;  anything else → kInternal.
#ifndef VSECM_K8S_SECRETS_API_HPP_
#define VSECM_K8S_SECRETS_API_HPP_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

struct ObjectMeta {
  std::string name;
  std::string namespace_;
  std::string resource_version;  // empty on create; required on replace
  std::string uid;
  std::string creation_timestamp;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Metadata this client does not model (ownerReferences, finalizers, ...) as a JSON object,
  // sent back unchanged so that a read-modify-write never drops it. managedFields are left to
  // the server.
  std::string other_fields_json;
};

struct Secret {
  ObjectMeta metadata;
  std::string type = "Opaque";
  std::optional<bool> immutable;
  std::map<std::string, kernel::SecretBytes> data;
};

// The largest total of decoded data bytes the API server accepts in one Secret.
inline constexpr size_t kMaxSecretDataBytes = size_t{1} << 20;

// True for the status SecretsApi returns on a resourceVersion conflict.
bool IsConflict(const Status& status);

class SecretsApi {
 public:
  // With `deadline` (KubeClient::DeadlineAfter), every call made through this object ends by
  // then: one budget for an operation of several calls. SecretsApi is cheap; make one per
  // operation for that.
  explicit SecretsApi(KubeClient& client,
                      std::optional<KubeClient::Clock::time_point> deadline = std::nullopt)
      : client_(client), deadline_(deadline) {}

  StatusOr<Secret> Get(std::string_view ns, std::string_view name);
  // Creates `secret` (its metadata.resourceVersion must be empty); returns what was stored.
  StatusOr<Secret> Create(std::string_view ns, const Secret& secret);
  // Replaces the Secret if its resourceVersion is still secret.metadata.resource_version.
  StatusOr<Secret> Replace(std::string_view ns, const Secret& secret);
  // Deletes; with `resource_version`, only if the Secret is still at that version.
  Status Delete(std::string_view ns, std::string_view name,
                std::optional<std::string> resource_version = std::nullopt);
  // Every Secret matching `label_selector` ("k=v,k2=v2"), pages followed to the end.
  StatusOr<std::vector<Secret>> List(std::string_view ns, std::string_view label_selector);
  // The same, metadata only (data is never transferred: PartialObjectMetadataList).
  StatusOr<std::vector<ObjectMeta>> ListMetadata(std::string_view ns,
                                                 std::string_view label_selector);

  KubeClient& client() noexcept { return client_; }

 private:
  StatusOr<ApiResponse> Send(std::string_view method, std::string target,
                             std::span<const char> body, std::string_view accept);
  template <class Item>
  StatusOr<std::vector<Item>> ListImpl(std::string_view ns, std::string_view label_selector,
                                       bool metadata_only);

  KubeClient& client_;
  std::optional<KubeClient::Clock::time_point> deadline_;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters pass).
std::string QueryEscape(std::string_view value);

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_SECRETS_API_HPP_
