#include "api_json.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::safe {
namespace {

namespace http = boost::beast::http;
using kernel::SecretBytes;
using kernel::SecureJsonReader;
using kernel::SecureJsonWriter;

StatusOr<std::vector<std::string>> ReadStrings(SecureJsonReader& r, std::string_view field) {
  std::vector<std::string> out;
  if (r.ReadNull()) return out;
  VSECM_RETURN_IF_ERROR(r.ReadArray(field, [&](size_t) -> Status {
    VSECM_ASSIGN_OR_RETURN(std::string s, r.ReadText(field));
    out.push_back(std::move(s));
    return Status::Ok();
  }));
  return out;
}

StatusOr<std::string> ReadOptionalText(SecureJsonReader& r, std::string_view field) {
  if (r.ReadNull()) return std::string();
  return r.ReadText(field);
}

// VSecM's date fields: RFC 3339, or the words Sentinel sends for "from now" and "forever".
StatusOr<std::optional<kernel::Timestamp>> ParseDate(std::string_view field, const std::string& text,
                                                     std::string_view open_word) {
  if (text.empty() || text == open_word) return std::optional<kernel::Timestamp>();
  auto t = kernel::ParseRfc3339(text);
  if (!t.ok()) {
    return InvalidArgument(fmt::format("{}: \"{}\" is not an RFC 3339 date (nor \"{}\")", field,
                                       text.substr(0, 64), open_word));
  }
  return std::optional<kernel::Timestamp>(*t);
}

Response MakeResponse(http::status status, SecretBytes body, std::string_view content_type) {
  Response res{status, 11};
  res.set(http::field::content_type,
          boost::beast::string_view(content_type.data(), content_type.size()));
  res.set(http::field::cache_control, "no-store");
  res.body() = std::move(body);
  return res;
}

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

std::string GoTime(const std::optional<kernel::Timestamp>& t) {
  // Go's zero time, which VSecM prints for a date that was never set.
  return t ? kernel::FormatRfc3339(*t) : "0001-01-01T00:00:00Z";
}

void WriteSummary(SecureJsonWriter& w, const kernel::SecretSummary& s) {
  w.Raw("\"name\":");
  w.String(s.name);
  w.Raw(",\"created\":");
  w.String(kernel::FormatRfc3339(s.created));
  w.Raw(",\"updated\":");
  w.String(kernel::FormatRfc3339(s.updated));
  w.Raw(",\"notBefore\":");
  w.String(GoTime(s.not_before));
  w.Raw(",\"expiresAfter\":");
  w.String(GoTime(s.expires_after));
}

}  // namespace

std::string Base64(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

StatusOr<UpsertBody> ParseUpsertBody(std::span<const uint8_t> body, kernel::Timestamp /*now*/) {
  SecureJsonReader r(body);
  VSECM_RETURN_IF_ERROR(r.Validate());
  UpsertBody out;
  std::string not_before, expires;
  VSECM_RETURN_IF_ERROR(r.ReadObject("request", [&](std::string_view key) -> Status {
    if (key == "workloads") {
      VSECM_ASSIGN_OR_RETURN(out.workloads, ReadStrings(r, "workloads"));
    } else if (key == "namespaces") {
      VSECM_ASSIGN_OR_RETURN(out.namespaces, ReadStrings(r, "namespaces"));
    } else if (key == "value") {
      if (!r.ReadNull()) {
        VSECM_ASSIGN_OR_RETURN(out.value, r.ReadSecret("value"));
      }
    } else if (key == "template") {
      VSECM_ASSIGN_OR_RETURN(out.template_text, ReadOptionalText(r, "template"));
    } else if (key == "format") {
      VSECM_ASSIGN_OR_RETURN(out.format, ReadOptionalText(r, "format"));
    } else if (key == "encrypt") {
      VSECM_ASSIGN_OR_RETURN(out.encrypt, r.ReadBool("encrypt"));
    } else if (key == "notBefore") {
      VSECM_ASSIGN_OR_RETURN(not_before, ReadOptionalText(r, "notBefore"));
    } else if (key == "expires") {
      VSECM_ASSIGN_OR_RETURN(expires, ReadOptionalText(r, "expires"));
    } else {
      return r.Skip(key);
    }
    return Status::Ok();
  }));
  VSECM_RETURN_IF_ERROR(r.ExpectEnd("request"));
  VSECM_ASSIGN_OR_RETURN(out.not_before, ParseDate("notBefore", not_before, "now"));
  VSECM_ASSIGN_OR_RETURN(out.expires, ParseDate("expires", expires, "never"));
  // VSecM's formats are upper or lower case ("json", "JSON"); the kernel takes lower case.
  for (char& c : out.format) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

StatusOr<std::vector<std::string>> ParseDeleteBody(std::span<const uint8_t> body) {
  SecureJsonReader r(body);
  VSECM_RETURN_IF_ERROR(r.Validate());
  std::vector<std::string> workloads;
  VSECM_RETURN_IF_ERROR(r.ReadObject("request", [&](std::string_view key) -> Status {
    if (key != "workloads") return r.Skip(key);
    VSECM_ASSIGN_OR_RETURN(workloads, ReadStrings(r, "workloads"));
    return Status::Ok();
  }));
  VSECM_RETURN_IF_ERROR(r.ExpectEnd("request"));
  return workloads;
}

StatusOr<RootKeyBody> ParseRootKeyBody(std::span<const uint8_t> body) {
  SecureJsonReader r(body);
  VSECM_RETURN_IF_ERROR(r.Validate());
  RootKeyBody out;
  VSECM_RETURN_IF_ERROR(r.ReadObject("request", [&](std::string_view key) -> Status {
    SecretBytes* dest = key == "ageSecretKey"   ? &out.age_secret_key
                        : key == "agePublicKey" ? &out.age_public_key
                        : key == "aesCipherKey" ? &out.aes_cipher_key
                                                : nullptr;
    if (dest == nullptr) return r.Skip(key);
    VSECM_ASSIGN_OR_RETURN(*dest, r.ReadSecret(key));
    return Status::Ok();
  }));
  VSECM_RETURN_IF_ERROR(r.ExpectEnd("request"));
  return out;
}

Response ErrorResponse(http::status status, const std::string& message) {
  std::string body = nlohmann::json{{"err", message}}.dump();
  return MakeResponse(status, SecretBytes::CopyOf(body), "application/json");
}

Response TextResponse(http::status status, std::string_view text) {
  return MakeResponse(status, SecretBytes::CopyOf(text), "text/plain; charset=utf-8");
}

Response WorkloadSecretResponse(const kernel::SecretView& secret) {
  SecretBytes body = WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"data\":");
    w.String(secret.data.Expose());
    w.Raw(",\"created\":");
    w.String("\"" + kernel::FormatRfc3339(secret.created) + "\"");
    w.Raw(",\"updated\":");
    w.String("\"" + kernel::FormatRfc3339(secret.updated) + "\"");
    w.Raw("}");
  });
  return MakeResponse(http::status::ok, std::move(body), "application/json");
}

Response SecretListResponse(const std::vector<kernel::SecretSummary>& secrets) {
  SecretBytes body = WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"secrets\":[");
    for (size_t i = 0; i < secrets.size(); ++i) {
      w.Raw(i == 0 ? "{" : ",{");
      WriteSummary(w, secrets[i]);
      w.Raw("}");
    }
    w.Raw("]}");
  });
  return MakeResponse(http::status::ok, std::move(body), "application/json");
}

Response EncryptedListResponse(
    const std::vector<std::pair<kernel::SecretSummary, kernel::Bytes>>& secrets,
    std::string_view algorithm) {
  SecretBytes body = WriteJson([&](SecureJsonWriter& w) {
    w.Raw("{\"secrets\":[");
    for (size_t i = 0; i < secrets.size(); ++i) {
      w.Raw(i == 0 ? "{" : ",{");
      WriteSummary(w, secrets[i].first);
      w.Raw(",\"value\":");
      w.String(Base64(secrets[i].second));
      w.Raw("}");
    }
    w.Raw("],\"algorithm\":");
    w.String(algorithm);
    w.Raw("}");
  });
  return MakeResponse(http::status::ok, std::move(body), "application/json");
}

Response KeystoneResponse(bool ready) {
  return MakeResponse(http::status::ok,
                      SecretBytes::CopyOf(std::string_view(ready ? R"({"status":"ready"})"
                                                                 : R"({"status":"pending"})")),
                      "application/json");
}

}  // namespace vsecm::safe
