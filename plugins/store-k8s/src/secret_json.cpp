#include "secret_json.hpp"

#include <fmt/format.h>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::k8s::internal {
namespace {

constexpr size_t kMaxStatusMessage = 300;

std::string Text(const WipingJson& j) {
  if (!j.is_string()) return {};
  const auto& s = j.get_ref<const WipingString&>();
  return std::string(s.data(), s.size());
}

WipingString Str(const std::string& s) { return WipingString(s.data(), s.size()); }

StatusOr<std::map<std::string, std::string>> StringMap(const WipingJson& j, const char* what) {
  std::map<std::string, std::string> out;
  if (j.is_null()) return out;
  if (!j.is_object()) return InvalidArgument(fmt::format("metadata.{} is not an object", what));
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_string()) {
      return InvalidArgument(fmt::format("metadata.{}: a value is not a string", what));
    }
    out.emplace(std::string(it.key().data(), it.key().size()), Text(it.value()));
  }
  return out;
}

// Appends `text` as a JSON string (keys and other non-secret text).
void AppendJsonString(WipingString& out, std::string_view text) {
  out += WipingJson(WipingString(text.data(), text.size())).dump();
}

}  // namespace

WipingJson ParseBody(const WipingString& body) {
  bool too_deep = false;
  // Returning false drops the value being started, so nothing deeper is even built.
  const WipingJson::parser_callback_t limit = [&too_deep](int depth, WipingJson::parse_event_t,
                                                          WipingJson&) {
    if (depth <= kMaxJsonDepth) return true;
    too_deep = true;
    return false;
  };
  WipingJson j = WipingJson::parse(body.begin(), body.end(), limit, /*allow_exceptions=*/false);
  if (too_deep) return WipingJson(WipingJson::value_t::discarded);
  return j;
}

WipingString EncodeSecret(const Secret& secret, std::string_view ns) {
  WipingJson meta = WipingJson::object();
  if (!secret.metadata.other_fields_json.empty()) {
    meta = WipingJson::parse(secret.metadata.other_fields_json, nullptr, false);
    if (!meta.is_object()) meta = WipingJson::object();
  }
  meta["name"] = Str(secret.metadata.name);
  if (!ns.empty()) meta["namespace"] = WipingString(ns.data(), ns.size());
  if (!secret.metadata.resource_version.empty()) {
    meta["resourceVersion"] = Str(secret.metadata.resource_version);
  }
  if (!secret.metadata.uid.empty()) meta["uid"] = Str(secret.metadata.uid);
  for (const auto& [k, v] : secret.metadata.labels) meta["labels"][Str(k)] = Str(v);
  for (const auto& [k, v] : secret.metadata.annotations) meta["annotations"][Str(k)] = Str(v);

  size_t estimate = 256;
  for (const auto& [k, v] : secret.data) estimate += k.size() + kernel::Base64EncodedSize(v.size()) + 8;
  WipingString out;
  out.reserve(estimate);
  out += R"({"apiVersion":"v1","kind":"Secret","metadata":)";
  out += meta.dump();
  out += R"(,"type":)";
  AppendJsonString(out, secret.type);
  if (secret.immutable.has_value()) out += *secret.immutable ? R"(,"immutable":true)" : R"(,"immutable":false)";
  out += R"(,"data":{)";
  bool first = true;
  for (const auto& [key, value] : secret.data) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(out, key);
    out += ':';
    const size_t n = kernel::Base64EncodedSize(value.size()) + 2;  // with the quotes
    const size_t at = out.size();
    out.resize(at + n);
    kernel::SecureJsonWriter writer(
        std::span<uint8_t>(reinterpret_cast<uint8_t*>(out.data() + at), n));
    writer.Base64String(value.Expose());
  }
  out += "}}";
  return out;
}

StatusOr<ObjectMeta> DecodeMeta(const WipingJson& m) {
  if (!m.is_object()) return InvalidArgument("the object has no metadata");
  ObjectMeta meta;
  auto field = [&m](const char* key) { return m.contains(key) ? Text(m[key]) : std::string(); };
  meta.name = field("name");
  meta.namespace_ = field("namespace");
  meta.resource_version = field("resourceVersion");
  meta.uid = field("uid");
  meta.creation_timestamp = field("creationTimestamp");
  if (m.contains("labels")) {
    VSECM_ASSIGN_OR_RETURN(meta.labels, StringMap(m["labels"], "labels"));
  }
  if (m.contains("annotations")) {
    VSECM_ASSIGN_OR_RETURN(meta.annotations, StringMap(m["annotations"], "annotations"));
  }
  WipingJson other = WipingJson::object();
  for (auto it = m.begin(); it != m.end(); ++it) {
    const std::string_view key(it.key().data(), it.key().size());
    if (key == "name" || key == "namespace" || key == "resourceVersion" || key == "uid" ||
        key == "creationTimestamp" || key == "labels" || key == "annotations" ||
        key == "managedFields") {
      continue;
    }
    other[it.key()] = it.value();
  }
  if (!other.empty()) {
    const WipingString text = other.dump();
    meta.other_fields_json.assign(text.data(), text.size());
  }
  return meta;
}

StatusOr<Secret> DecodeSecret(const WipingJson& object) {
  if (!object.is_object() || !object.contains("metadata")) {
    return InvalidArgument("the response is not a Secret object");
  }
  Secret secret;
  VSECM_ASSIGN_OR_RETURN(secret.metadata, DecodeMeta(object["metadata"]));
  if (object.contains("type")) secret.type = Text(object["type"]);
  if (object.contains("immutable") && object["immutable"].is_boolean()) {
    secret.immutable = object["immutable"].get<bool>();
  }
  if (!object.contains("data") || object["data"].is_null()) return secret;
  const WipingJson& data = object["data"];
  if (!data.is_object()) return InvalidArgument("Secret data is not an object");
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string key(it.key().data(), it.key().size());
    if (!it.value().is_string()) {
      return InvalidArgument(fmt::format("Secret data key {:?} is not a string", key));
    }
    const auto& text = it.value().get_ref<const WipingString&>();
    auto bytes = kernel::DecodeBase64(
        {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
    if (!bytes.ok()) {
      return InvalidArgument(fmt::format("Secret data key {:?} is not valid base64", key));
    }
    secret.data.emplace(key, std::move(bytes).value());
  }
  return secret;
}

ApiStatus ParseStatus(const WipingString& body) {
  ApiStatus out;
  WipingJson j = ParseBody(body);
  if (!j.is_object() || !j.contains("kind") || Text(j["kind"]) != "Status") return out;
  if (j.contains("reason")) out.reason = Text(j["reason"]);
  if (j.contains("message")) out.message = Text(j["message"]);
  for (std::string* s : {&out.reason, &out.message}) {
    if (s->size() > kMaxStatusMessage) s->resize(kMaxStatusMessage);
    for (char& c : *s) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = ' ';
    }
  }
  return out;
}

}  // namespace vsecm::k8s::internal
