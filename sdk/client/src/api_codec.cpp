#include "api_codec.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>

#include <nlohmann/json.hpp>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::client::internal {
namespace {

using kernel::SecretBytes;
using kernel::SecureJsonReader;
using kernel::SecureJsonWriter;

// Writes a JSON document twice: once to measure, once into secure memory of exactly that size.
template <class Fn>
SecretBytes WriteJson(Fn&& write) {
  SecureJsonWriter counter;
  write(counter);
  SecretBytes out(counter.size());
  SecureJsonWriter writer(out.Mutable());
  write(writer);
  return out;
}

void WriteStrings(SecureJsonWriter& w, const std::vector<std::string>& items) {
  w.Raw("[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) w.Raw(",");
    w.String(items[i]);
  }
  w.Raw("]");
}

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

// VSecM writes a workload's times with literal quotes inside the JSON string.
std::string Unquote(std::string text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

StatusOr<nlohmann::json> ParseObject(std::span<const uint8_t> body, std::string_view what) {
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Internal("the Safe's " + std::string(what) + " answer is not a JSON object");
  }
  return doc;
}

std::string Field(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

SecretSummary ReadSummary(const nlohmann::json& item) {
  return SecretSummary{Field(item, "name"), Field(item, "created"), Field(item, "updated"),
                       Field(item, "notBefore"), Field(item, "expiresAfter")};
}

}  // namespace

std::string ErrorText(std::span<const uint8_t> body) {
  nlohmann::json doc = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (!doc.is_discarded() && doc.is_object()) {
    std::string err = Field(doc, "err");
    if (!err.empty()) return err;
  }
  std::string text(reinterpret_cast<const char*>(body.data()), std::min<size_t>(body.size(), 200));
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  return text.empty() ? std::string("no details") : text;
}

Status StatusFromReply(const HttpReply& reply) {
  const std::string err = ErrorText(reply.body.Expose());
  switch (reply.status) {
    case 200:
      return Status::Ok();
    case 503: {
      constexpr std::string_view kPrefix = "the safe is not ready: ";
      std::string_view why = err;
      if (StartsWithNoCase(why, kPrefix)) why.remove_prefix(kPrefix.size());
      return Unavailable("the Safe is not ready: " + std::string(why));
    }
    case 400:
      // The Safe names the caller's SPIFFE ID when it refuses an identity.
      if (err.rfind("spiffe://", 0) == 0 && err.find(" is not ") != std::string::npos) {
        return PermissionDenied("the Safe refused our identity: " + err);
      }
      return InvalidArgument(err);
    case 404:
      return NotFound(err);
    default:
      return Internal("the Safe answered HTTP " + std::to_string(reply.status) + ": " + err);
  }
}

SecretBytes EncodeUpsert(const UpsertRequest& r) {
  return WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"workloads\":");
    WriteStrings(w, r.workloads);
    w.Raw(",\"namespaces\":");
    WriteStrings(w, r.namespaces);
    w.Raw(",\"value\":");
    w.String(r.value.Expose());
    w.Raw(",\"template\":");
    w.String(r.template_text);
    w.Raw(",\"format\":");
    w.String(r.format);
    w.Raw(r.encrypt ? ",\"encrypt\":true" : ",\"encrypt\":false");
    w.Raw(",\"notBefore\":");
    w.String(r.not_before);
    w.Raw(",\"expires\":");
    w.String(r.expires);
    w.Raw("}");
  });
}

SecretBytes EncodeDelete(const std::vector<std::string>& workloads) {
  return WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"workloads\":");
    WriteStrings(w, workloads);
    w.Raw("}");
  });
}

SecretBytes EncodeRootKey(const RootKeyParts& parts) {
  return WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"ageSecretKey\":");
    w.String(parts.age_secret_key.Expose());
    w.Raw(",\"agePublicKey\":");
    w.String(parts.age_public_key.Expose());
    w.Raw(",\"aesCipherKey\":");
    w.String(parts.aes_cipher_key.Expose());
    w.Raw("}");
  });
}

StatusOr<WorkloadSecret> DecodeWorkloadSecret(std::span<const uint8_t> body) {
  SecureJsonReader r(body);
  Status valid = r.Validate();
  if (!valid.ok()) return Internal("the Safe's secret answer is not JSON: " + valid.message());
  WorkloadSecret out;
  bool have_data = false;
  VSECM_RETURN_IF_ERROR(r.ReadObject("secret", [&](std::string_view key) -> Status {
    if (key == "data") {
      if (r.ReadNull()) return Status::Ok();
      VSECM_ASSIGN_OR_RETURN(out.data, r.ReadSecret("data"));
      have_data = true;
    } else if (key == "created" || key == "updated") {
      if (r.ReadNull()) return Status::Ok();
      VSECM_ASSIGN_OR_RETURN(std::string text, r.ReadText(key));
      (key == "created" ? out.created : out.updated) = Unquote(std::move(text));
    } else {
      return r.Skip(key);
    }
    return Status::Ok();
  }));
  if (!have_data) return Internal("the Safe's secret answer has no \"data\"");
  return out;
}

StatusOr<std::vector<SecretSummary>> DecodeSecretList(std::span<const uint8_t> body) {
  VSECM_ASSIGN_OR_RETURN(nlohmann::json doc, ParseObject(body, "list"));
  std::vector<SecretSummary> out;
  auto it = doc.find("secrets");
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_array()) return Internal("the Safe's list answer has no \"secrets\" array");
  for (const auto& item : *it) {
    if (item.is_object()) out.push_back(ReadSummary(item));
  }
  return out;
}

StatusOr<EncryptedSecretList> DecodeEncryptedList(std::span<const uint8_t> body) {
  VSECM_ASSIGN_OR_RETURN(nlohmann::json doc, ParseObject(body, "list"));
  EncryptedSecretList out;
  out.algorithm = Field(doc, "algorithm");
  auto it = doc.find("secrets");
  if (it == doc.end() || it->is_null()) return out;
  if (!it->is_array()) return Internal("the Safe's list answer has no \"secrets\" array");
  for (const auto& item : *it) {
    if (item.is_object()) out.secrets.push_back({ReadSummary(item), Field(item, "value")});
  }
  return out;
}

StatusOr<bool> DecodeKeystone(std::span<const uint8_t> body) {
  VSECM_ASSIGN_OR_RETURN(nlohmann::json doc, ParseObject(body, "keystone"));
  const std::string status = Field(doc, "status");
  if (status == "ready") return true;
  if (status == "pending") return false;
  return Internal("the Safe's keystone answer has an unknown status \"" + status.substr(0, 32) +
                  "\"");
}

}  // namespace vsecm::client::internal
