#include "vsecm/k8s/secrets_api.hpp"

#include <fmt/format.h>

#include "secret_json.hpp"
#include "vsecm/k8s/object_name.hpp"

namespace vsecm::k8s {
namespace {

using internal::WipingJson;

constexpr int kListPageSize = 500;
constexpr int kListRestarts = 3;
constexpr std::string_view kJson = "application/json";
constexpr std::string_view kMetadataListAccept =
    "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io,application/json";

std::string Path(std::string_view ns, std::string_view name = {}) {
  std::string p = fmt::format("/api/v1/namespaces/{}/secrets", ns);
  if (!name.empty()) p += fmt::format("/{}", name);
  return p;
}

// Refuses names that are not what the API server accepts before they reach a URL path.
Status CheckTarget(std::string_view verb, std::string_view ns, std::string_view name,
                   bool need_name) {
  if (!IsDnsLabel(ns)) {
    return InvalidArgument(fmt::format("kubernetes {} secret: namespace {:?} is not a DNS label",
                                       verb, std::string(ns.substr(0, 80))));
  }
  if (need_name && !IsDnsSubdomain(name)) {
    return InvalidArgument(fmt::format("kubernetes {} secret: name {:?} is not a DNS subdomain",
                                       verb, std::string(name.substr(0, 260))));
  }
  return Status::Ok();
}

// Maps an answer that is not the operation's success to a Status (see the header's table).
Status ErrorFor(std::string_view verb, std::string_view ns, std::string_view name,
                const ApiResponse& r) {
  const internal::ApiStatus st = internal::ParseStatus(r.http.body);
  const std::string what = name.empty() ? fmt::format("secrets in namespace {}", ns)
                                        : fmt::format("secret {}/{}", ns, name);
  std::string m = fmt::format("kubernetes {} {}: {} {}", verb, what, r.http.status,
                              st.reason.empty() ? r.http.reason : st.reason);
  if (!st.message.empty()) m += ": " + st.message;
  const int code = r.http.status;
  switch (code) {
    case 404:
      return NotFound(std::move(m));
    case 409:
      if (st.reason == "AlreadyExists") return Status(StatusCode::kAlreadyExists, std::move(m));
      return FailedPrecondition(m + " (resourceVersion conflict: another writer changed it)");
    case 401:
      return PermissionDenied(m + " (the API server refused the credentials; a token file was "
                                  "re-read once; check the service account token)");
    case 403:
      return PermissionDenied(fmt::format(
          "{} (RBAC must allow verb \"{}\" on resource \"secrets\" in namespace {} for this "
          "service account)",
          m, verb, ns));
    case 400:
    case 422:
      return InvalidArgument(std::move(m));
    case 413:
      return ResourceExhausted(std::move(m));
    default:
      break;
  }
  if (code == 429 || code >= 500) {
    if (r.budget_spent.count() > 0) {
      return Unavailable(fmt::format("{} (gave up after {} attempts: the call's time budget of "
                                     "{} ms is spent)", m, r.attempts, r.budget_spent.count()));
    }
    return Unavailable(fmt::format("{} (gave up after {} attempts)", m, r.attempts));
  }
  return Internal(std::move(m));
}

StatusOr<Secret> SecretFromBody(std::string_view verb, std::string_view ns, std::string_view name,
                                const ApiResponse& r) {
  WipingJson j = internal::ParseBody(r.http.body);
  if (j.is_discarded()) {
    return Internal(fmt::format("kubernetes {} secret {}/{}: {} response is not JSON", verb, ns,
                                name, r.http.status));
  }
  auto secret = internal::DecodeSecret(j);
  if (!secret.ok()) {
    return secret.status().WithContext(fmt::format("kubernetes {} secret {}/{}", verb, ns, name));
  }
  return secret;
}

}  // namespace

bool IsConflict(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition &&
         status.message().find(": 409 ") != std::string::npos;
}

std::string QueryEscape(std::string_view value) {
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

StatusOr<ApiResponse> SecretsApi::Send(std::string_view method, std::string target,
                                       std::span<const char> body, std::string_view accept) {
  HttpRequest request;
  request.method = method;
  request.target = std::move(target);
  request.accept = accept;
  request.body = body;
  if (!body.empty()) request.content_type = kJson;
  return client_.Call(std::move(request), deadline_);
}

StatusOr<Secret> SecretsApi::Get(std::string_view ns, std::string_view name) {
  VSECM_RETURN_IF_ERROR(CheckTarget("get", ns, name, true));
  VSECM_ASSIGN_OR_RETURN(ApiResponse r, Send("GET", Path(ns, name), {}, kJson));
  if (r.http.status != 200) return ErrorFor("get", ns, name, r);
  return SecretFromBody("get", ns, name, r);
}

StatusOr<Secret> SecretsApi::Create(std::string_view ns, const Secret& secret) {
  const std::string& name = secret.metadata.name;
  VSECM_RETURN_IF_ERROR(CheckTarget("create", ns, name, true));
  if (!secret.metadata.resource_version.empty()) {
    return InvalidArgument(fmt::format("kubernetes create secret {}/{}: resourceVersion must be "
                                       "empty on create", ns, name));
  }
  const WipingString body = internal::EncodeSecret(secret, ns);
  VSECM_ASSIGN_OR_RETURN(ApiResponse r, Send("POST", Path(ns), body, kJson));
  if (r.http.status != 201 && r.http.status != 200) return ErrorFor("create", ns, name, r);
  return SecretFromBody("create", ns, name, r);
}

StatusOr<Secret> SecretsApi::Replace(std::string_view ns, const Secret& secret) {
  const std::string& name = secret.metadata.name;
  VSECM_RETURN_IF_ERROR(CheckTarget("update", ns, name, true));
  if (secret.metadata.resource_version.empty()) {
    return InvalidArgument(fmt::format("kubernetes update secret {}/{}: a replace needs the "
                                       "resourceVersion it was read at", ns, name));
  }
  const WipingString body = internal::EncodeSecret(secret, ns);
  VSECM_ASSIGN_OR_RETURN(ApiResponse r, Send("PUT", Path(ns, name), body, kJson));
  if (r.http.status != 200) return ErrorFor("update", ns, name, r);
  return SecretFromBody("update", ns, name, r);
}

Status SecretsApi::Delete(std::string_view ns, std::string_view name,
                          std::optional<std::string> resource_version) {
  VSECM_RETURN_IF_ERROR(CheckTarget("delete", ns, name, true));
  WipingString body;
  if (resource_version) {
    WipingJson options = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
    options["preconditions"]["resourceVersion"] =
        WipingString(resource_version->data(), resource_version->size());
    body = options.dump();
  }
  VSECM_ASSIGN_OR_RETURN(ApiResponse r, Send("DELETE", Path(ns, name), body, kJson));
  if (r.http.status == 200 || r.http.status == 202) return Status::Ok();
  return ErrorFor("delete", ns, name, r);
}

template <class Item>
StatusOr<std::vector<Item>> SecretsApi::ListImpl(std::string_view ns,
                                                 std::string_view label_selector,
                                                 bool metadata_only) {
  VSECM_RETURN_IF_ERROR(CheckTarget("list", ns, "", false));
  for (int restart = 0;; ++restart) {
    std::vector<Item> items;
    std::string continue_token;
    bool expired = false;
    do {
      std::string target = fmt::format("{}?limit={}", Path(ns), kListPageSize);
      if (!label_selector.empty()) target += "&labelSelector=" + QueryEscape(label_selector);
      if (!continue_token.empty()) target += "&continue=" + QueryEscape(continue_token);
      VSECM_ASSIGN_OR_RETURN(
          ApiResponse r, Send("GET", target, {}, metadata_only ? kMetadataListAccept : kJson));
      if (r.http.status == 410 && !continue_token.empty() && restart < kListRestarts) {
        expired = true;  // the continue token expired: list again from the start
        break;
      }
      if (r.http.status != 200) return ErrorFor("list", ns, "", r);
      WipingJson j = internal::ParseBody(r.http.body);
      if (!j.is_object() || !j.contains("items") || !(j["items"].is_array() || j["items"].is_null())) {
        return Internal(fmt::format("kubernetes list secrets in namespace {}: the response is "
                                    "not a list", ns));
      }
      for (const WipingJson& item : j["items"]) {
        if constexpr (std::is_same_v<Item, Secret>) {
          auto secret = internal::DecodeSecret(item);
          if (!secret.ok()) return secret.status().WithContext("kubernetes list secrets");
          items.push_back(std::move(secret).value());
        } else {
          if (!item.is_object() || !item.contains("metadata")) {
            return Internal("kubernetes list secrets: an item has no metadata");
          }
          auto meta = internal::DecodeMeta(item["metadata"]);
          if (!meta.ok()) return meta.status().WithContext("kubernetes list secrets");
          items.push_back(std::move(meta).value());
        }
      }
      continue_token.clear();
      if (j.contains("metadata") && j["metadata"].is_object() &&
          j["metadata"].contains("continue") && j["metadata"]["continue"].is_string()) {
        const auto& c = j["metadata"]["continue"].template get_ref<const WipingString&>();
        continue_token.assign(c.data(), c.size());
      }
    } while (!continue_token.empty());
    if (!expired) return items;
  }
}

StatusOr<std::vector<Secret>> SecretsApi::List(std::string_view ns,
                                               std::string_view label_selector) {
  return ListImpl<Secret>(ns, label_selector, false);
}

StatusOr<std::vector<ObjectMeta>> SecretsApi::ListMetadata(std::string_view ns,
                                                           std::string_view label_selector) {
  return ListImpl<ObjectMeta>(ns, label_selector, true);
}

}  // namespace vsecm::k8s
