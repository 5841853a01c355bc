// The Secrets REST semantics of the fake API server: create, get, replace, delete and list
// with resourceVersion concurrency, labels and pagination. Validation and Status objects are in
// fake_kube_api_rules.cpp.
#include "fake_kube_api_internal.hpp"

namespace vsecm::testing::fake_kube {

using nlohmann::json;

std::pair<std::string, std::string> SecretsState::VerbAndName(const Call& call) {
  Route r = ParseRoute(call.path);
  if (!r.ok) return {"", ""};
  if (call.method == "GET") return {r.name.empty() ? "list" : "get", r.name};
  if (call.method == "POST") {
    auto j = json::parse(call.body, nullptr, false);
    return {"create", j.is_object() ? Text(j.value("metadata", json::object()), "name") : ""};
  }
  if (call.method == "PUT") return {"update", r.name};
  if (call.method == "DELETE") return {"delete", r.name};
  if (call.method == "PATCH") return {"patch", r.name};
  return {"", r.name};
}

std::string SecretsState::NextResourceVersionLocked() { return std::to_string(++resource_version_); }

json SecretsState::StoreLocked(const std::string& ns, json object, bool keep_identity) {
  const std::string name = Text(object["metadata"], "name");
  object["kind"] = "Secret";
  object["apiVersion"] = "v1";
  json& meta = object["metadata"];
  meta["namespace"] = ns;
  meta["resourceVersion"] = NextResourceVersionLocked();
  if (!keep_identity) {
    char uid[40];
    std::snprintf(uid, sizeof uid, "00000000-0000-4000-8000-%012llu",
                  static_cast<unsigned long long>(++uid_counter_));  // NOLINT(runtime/int)
    meta["uid"] = uid;
    meta["creationTimestamp"] = Now();
  }
  if (object.contains("data") && object["data"].is_object() && object["data"].empty()) {
    object.erase("data");
  }
  objects_[ns][name] = object;
  return object;
}

Reply SecretsState::Handle(const Call& call) {
  Route r = ParseRoute(call.path);
  if (!r.ok) return StatusReply(404, "NotFound", "the server could not find the requested resource");
  if (r.name.empty()) {
    if (call.method == "GET") return List(r.ns, call);
    if (call.method == "POST") return Create(r.ns, call);
  } else {
    if (call.method == "GET") {
      std::lock_guard lock(mu_);
      auto& ns = objects_[r.ns];
      auto it = ns.find(r.name);
      if (it == ns.end()) return StatusReply(404, "NotFound", "secrets \"" + r.name + "\" not found", r.name);
      return {200, it->second, ""};
    }
    if (call.method == "PUT") return Replace(r.ns, r.name, call);
    if (call.method == "DELETE") return Delete(r.ns, r.name, call);
  }
  return StatusReply(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

Reply SecretsState::Create(const std::string& ns, const Call& call) {
  auto parsed = ParseObject(call.body);
  if (!parsed) return StatusReply(400, "BadRequest", "the object provided is unrecognized (must be a Secret)");
  json object = std::move(*parsed);
  if (auto bad = CheckNamespace(object, ns)) return *bad;
  const std::string name = Text(object["metadata"], "name");
  if (name.empty()) return Invalid("", "metadata.name: Required value: name or generateName is required");
  if (!IsDnsSubdomain(name)) {
    return Invalid(name, "metadata.name: Invalid value: \"" + name +
                             "\": a lowercase RFC 1123 subdomain must consist of lower case "
                             "alphanumeric characters, '-' or '.', and must start and end with an "
                             "alphanumeric character");
  }
  if (!Text(object["metadata"], "resourceVersion").empty()) {
    return StatusReply(500, "InternalError", "resourceVersion should not be set on objects to be created");
  }
  if (auto bad = CheckData(object, name)) return *bad;
  std::lock_guard lock(mu_);
  if (create_first_ && create_first_->first == ns) {
    json other = std::move(create_first_->second);
    create_first_.reset();
    if (!other.contains("metadata")) other["metadata"] = json::object();
    CheckData(other, Text(other["metadata"], "name"));
    StoreLocked(ns, std::move(other), false);
  }
  if (objects_[ns].count(name) != 0) {
    return StatusReply(409, "AlreadyExists", "secrets \"" + name + "\" already exists", name);
  }
  return {201, StoreLocked(ns, std::move(object), false), ""};
}

Reply SecretsState::Replace(const std::string& ns, const std::string& name, const Call& call) {
  auto parsed = ParseObject(call.body);
  if (!parsed) return StatusReply(400, "BadRequest", "the object provided is unrecognized (must be a Secret)");
  json object = std::move(*parsed);
  if (auto bad = CheckNamespace(object, ns)) return *bad;
  const std::string body_name = Text(object["metadata"], "name");
  if (body_name != name) {
    return StatusReply(400, "BadRequest", "the name of the object (" + body_name +
                                              ") does not match the name on the URL (" + name + ")");
  }
  if (auto bad = CheckData(object, name)) return *bad;
  std::lock_guard lock(mu_);
  auto& objects = objects_[ns];
  auto it = objects.find(name);
  if (it == objects.end()) return StatusReply(404, "NotFound", "secrets \"" + name + "\" not found", name);
  if (interleave_updates_ > 0) {
    --interleave_updates_;
    json other = it->second;
    other["metadata"]["annotations"]["fake.vsecm.com/other-writer"] = std::to_string(resource_version_);
    it->second = StoreLocked(ns, std::move(other), true);
  }
  json& current = it->second;
  const std::string rv = Text(object["metadata"], "resourceVersion");
  if (!rv.empty() && rv != Text(current["metadata"], "resourceVersion")) {
    return Conflict(name, "the object has been modified; please apply your changes to the latest "
                          "version and try again");
  }
  if (Text(object, "type") != Text(current, "type")) {
    return Invalid(name, "type: Invalid value: \"" + Text(object, "type") + "\": field is immutable");
  }
  if (current.value("immutable", false) &&
      object.value("data", json::object()) != current.value("data", json::object())) {
    return Invalid(name, "data: Forbidden: field is immutable when `immutable` is set");
  }
  object["metadata"]["uid"] = current["metadata"]["uid"];
  object["metadata"]["creationTimestamp"] = current["metadata"]["creationTimestamp"];
  return {200, StoreLocked(ns, std::move(object), true), ""};
}

Reply SecretsState::Delete(const std::string& ns, const std::string& name, const Call& call) {
  std::lock_guard lock(mu_);
  auto& objects = objects_[ns];
  auto it = objects.find(name);
  if (it == objects.end()) return StatusReply(404, "NotFound", "secrets \"" + name + "\" not found", name);
  const json& meta = it->second["metadata"];
  json options = call.body.empty() ? json::object() : json::parse(call.body, nullptr, false);
  if (options.is_discarded()) return StatusReply(400, "BadRequest", "the body of DeleteOptions is not JSON");
  if (options.contains("preconditions") && options["preconditions"].is_object()) {
    const std::string want_rv = Text(options["preconditions"], "resourceVersion");
    const std::string want_uid = Text(options["preconditions"], "uid");
    if (!want_rv.empty() && want_rv != Text(meta, "resourceVersion")) {
      return Conflict(name, "Precondition failed: ResourceVersion in precondition: " + want_rv +
                                ", ResourceVersion in object meta: " + Text(meta, "resourceVersion"));
    }
    if (!want_uid.empty() && want_uid != Text(meta, "uid")) {
      return Conflict(name, "Precondition failed: UID in precondition: " + want_uid +
                                ", UID in object meta: " + Text(meta, "uid"));
    }
  }
  json body = {{"kind", "Status"},
               {"apiVersion", "v1"},
               {"metadata", json::object()},
               {"status", "Success"},
               {"details", {{"name", name}, {"kind", "secrets"}, {"uid", Text(meta, "uid")}}}};
  objects.erase(it);
  return {200, body, ""};
}

Reply SecretsState::List(const std::string& ns, const Call& call) {
  auto query = ParseQuery(call.query);
  auto selector = ParseSelector(query["labelSelector"]);
  if (!selector) {
    return StatusReply(400, "BadRequest", "unable to parse requirement: the fake API server "
                                          "supports only equality-based label selectors");
  }
  size_t limit = 0;
  if (!query["limit"].empty()) limit = static_cast<size_t>(std::stoul(query["limit"]));
  std::lock_guard lock(mu_);
  if (max_page_ != 0 && (limit == 0 || limit > max_page_)) limit = max_page_;
  const std::string after = query["continue"];
  if (!after.empty() && expire_next_continue_) {
    expire_next_continue_ = false;
    return StatusReply(410, "Expired", "The provided continue parameter is too old to display a "
                                       "consistent list result. You can start a new list without "
                                       "the continue parameter.");
  }
  if (!after.empty() && after.rfind("fake:", 0) != 0) {
    return StatusReply(400, "BadRequest", "continue key is not valid");
  }
  const bool metadata_only = call.accept.find("as=PartialObjectMetadataList") != std::string::npos;
  json items = json::array();
  std::string next;
  for (const auto& [name, object] : objects_[ns]) {
    if (!after.empty() && name <= after.substr(5)) continue;
    if (!Matches(*selector, object)) continue;
    if (limit != 0 && items.size() == limit) {
      next = "fake:" + items.back()["metadata"]["name"].get<std::string>();
      break;
    }
    if (metadata_only) {
      items.push_back({{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", object["metadata"]}});
    } else {
      json item = object;
      item.erase("kind");
      item.erase("apiVersion");
      items.push_back(std::move(item));
    }
  }
  json list_meta = {{"resourceVersion", std::to_string(resource_version_)}};
  if (!next.empty()) list_meta["continue"] = next;
  json body = {{"kind", metadata_only ? "PartialObjectMetadataList" : "SecretList"},
               {"apiVersion", metadata_only ? "meta.k8s.io/v1" : "v1"},
               {"metadata", list_meta},
               {"items", items}};
  return {200, body, ""};
}

std::optional<json> SecretsState::Get(const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  auto n = objects_.find(ns);
  if (n == objects_.end()) return std::nullopt;
  auto it = n->second.find(name);
  if (it == n->second.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> SecretsState::Names(const std::string& ns) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  auto n = objects_.find(ns);
  if (n == objects_.end()) return out;
  for (const auto& [name, object] : n->second) out.push_back(name);
  return out;
}

void SecretsState::Seed(const std::string& ns, json secret) {
  if (!secret.contains("metadata")) secret["metadata"] = json::object();
  CheckData(secret, Text(secret["metadata"], "name"));
  std::lock_guard lock(mu_);
  StoreLocked(ns, std::move(secret), false);
}

void SecretsState::CreateBeforeNextCreate(const std::string& ns, nlohmann::json secret) {
  std::lock_guard lock(mu_);
  create_first_.emplace(ns, std::move(secret));
}

void SecretsState::InterleaveWritesBeforeUpdates(int count) {
  std::lock_guard lock(mu_);
  interleave_updates_ = count;
}

void SecretsState::SetMaxPageSize(size_t n) {
  std::lock_guard lock(mu_);
  max_page_ = n;
}

void SecretsState::ExpireNextContinueToken() {
  std::lock_guard lock(mu_);
  expire_next_continue_ = true;
}

}  // namespace vsecm::testing::fake_kube