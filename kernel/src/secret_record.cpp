#include "vsecm/kernel/secret_record.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::kernel {
namespace {

constexpr std::string_view kBase64 = "base64";

bool AllValuesText(const SecretRecord& r) {
  return std::all_of(r.values.begin(), r.values.end(),
                     [](const SecretBytes& v) { return IsValidUtf8(v.Expose()); });
}

void Write(SecureJsonWriter& w, const SecretRecord& r, bool base64) {
  w.Raw("{\"name\":");
  w.String(r.name);
  w.Raw(",\"values\":[");
  for (size_t i = 0; i < r.values.size(); ++i) {
    if (i != 0) w.Raw(",");
    if (base64) {
      w.Base64String(r.values[i].Expose());
    } else {
      w.String(r.values[i].Expose());
    }
  }
  w.Raw("]");
  if (base64) w.Raw(",\"valuesEncoding\":\"base64\"");
  w.Raw(",\"meta\":{\"namespaces\":[");
  for (size_t i = 0; i < r.namespaces.size(); ++i) {
    if (i != 0) w.Raw(",");
    w.String(r.namespaces[i]);
  }
  w.Raw("],\"template\":");
  w.String(r.template_text);
  w.Raw(",\"format\":");
  w.String(r.format);
  w.Raw(",\"correlationId\":");
  w.String(r.correlation_id);
  if (r.namespaces_bound) w.Raw(",\"namespacesBound\":true");
  w.Raw("},\"created\":");
  w.String(FormatRfc3339(r.created));
  w.Raw(",\"updated\":");
  w.String(FormatRfc3339(r.updated));
  if (r.not_before) {
    w.Raw(",\"notBefore\":");
    w.String(FormatRfc3339(*r.not_before));
  }
  if (r.expires_after) {
    w.Raw(",\"expiresAfter\":");
    w.String(FormatRfc3339(*r.expires_after));
  }
  w.Raw(fmt::format(",\"version\":{}}}", kSecretRecordVersion));
}

// Names a field that is not part of the layout when it looks like a field name. Anything else
// is described by its length: a value's bytes displaced into a key position are not echoed.
std::string DescribeUnknownKey(std::string_view key) {
  const bool identifier =
      !key.empty() && key.size() <= 32 && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_';
      });
  if (identifier) return fmt::format("\"{}\"", key);
  return fmt::format("of {} bytes", key.size());
}

Status ReadTimestamp(SecureJsonReader& r, std::string_view field, Timestamp* out) {
  const size_t at = r.offset();
  VSECM_ASSIGN_OR_RETURN(std::string text, r.ReadText(field));
  auto t = ParseRfc3339(text);
  if (!t.ok()) return t.status().WithContext(fmt::format("{} at offset {}", field, at));
  *out = *t;
  return Status::Ok();
}

Status ReadStringList(SecureJsonReader& r, std::string_view field, std::vector<std::string>* out) {
  return r.ReadArray(field, [&](size_t i) -> Status {
    VSECM_ASSIGN_OR_RETURN(std::string s, r.ReadText(fmt::format("{}[{}]", field, i)));
    out->push_back(std::move(s));
    return Status::Ok();
  });
}

Status ReadMeta(SecureJsonReader& r, SecretRecord* rec) {
  return r.ReadObject("meta", [&](std::string_view key) -> Status {
    if (key == "namespaces") return ReadStringList(r, "meta.namespaces", &rec->namespaces);
    if (key == "template") {
      VSECM_ASSIGN_OR_RETURN(rec->template_text, r.ReadText("meta.template"));
      return Status::Ok();
    }
    if (key == "format") {
      const size_t at = r.offset();
      VSECM_ASSIGN_OR_RETURN(rec->format, r.ReadText("meta.format"));
      if (!IsKnownFormat(rec->format)) {
        return InvalidArgument(fmt::format("meta.format: not a known format at offset {}", at));
      }
      return Status::Ok();
    }
    if (key == "correlationId") {
      VSECM_ASSIGN_OR_RETURN(rec->correlation_id, r.ReadText("meta.correlationId"));
      return Status::Ok();
    }
    if (key == "namespacesBound") {
      VSECM_ASSIGN_OR_RETURN(rec->namespaces_bound, r.ReadBool("meta.namespacesBound"));
      return Status::Ok();
    }
    return InvalidArgument(fmt::format("meta: unknown field {}", DescribeUnknownKey(key)));
  });
}

Status DecodeInto(std::span<const uint8_t> json, SecretRecord* rec) {
  SecureJsonReader r(json);
  VSECM_RETURN_IF_ERROR(r.Validate());
  bool have_name = false, have_values = false, have_created = false, have_updated = false;
  bool base64 = false;
  size_t values_at = 0;
  VSECM_RETURN_IF_ERROR(r.ReadObject("record", [&](std::string_view key) -> Status {
    if (key == "name") {
      const size_t at = r.offset();
      VSECM_ASSIGN_OR_RETURN(rec->name, r.ReadText("name"));
      if (rec->name.empty()) return InvalidArgument(fmt::format("name: empty at offset {}", at));
      have_name = true;
      return Status::Ok();
    }
    if (key == "values") {
      values_at = r.offset();
      have_values = true;
      return r.ReadArray("values", [&](size_t i) -> Status {
        VSECM_ASSIGN_OR_RETURN(SecretBytes v, r.ReadSecret(fmt::format("values[{}]", i)));
        rec->values.push_back(std::move(v));
        return Status::Ok();
      });
    }
    if (key == "valuesEncoding") {
      const size_t at = r.offset();
      VSECM_ASSIGN_OR_RETURN(std::string encoding, r.ReadText("valuesEncoding"));
      if (encoding != kBase64) {
        return InvalidArgument(
            fmt::format("valuesEncoding: only \"base64\" is known, at offset {}", at));
      }
      base64 = true;
      return Status::Ok();
    }
    if (key == "meta") return ReadMeta(r, rec);
    if (key == "created") {
      have_created = true;
      return ReadTimestamp(r, "created", &rec->created);
    }
    if (key == "updated") {
      have_updated = true;
      return ReadTimestamp(r, "updated", &rec->updated);
    }
    if (key == "notBefore") return ReadTimestamp(r, "notBefore", &rec->not_before.emplace());
    if (key == "expiresAfter") {
      return ReadTimestamp(r, "expiresAfter", &rec->expires_after.emplace());
    }
    if (key == "version") {
      const size_t at = r.offset();
      VSECM_ASSIGN_OR_RETURN(int64_t version, r.ReadInteger("version"));
      if (version != kSecretRecordVersion) {
        return InvalidArgument(fmt::format("version: {} is not supported (this build reads {}) "
                                           "at offset {}",
                                           version, kSecretRecordVersion, at));
      }
      return Status::Ok();
    }
    return InvalidArgument(fmt::format("unknown field {}", DescribeUnknownKey(key)));
  }));
  VSECM_RETURN_IF_ERROR(r.ExpectEnd("record"));
  for (auto [present, field] : {std::pair{have_name, "name"}, std::pair{have_values, "values"},
                                std::pair{have_created, "created"},
                                std::pair{have_updated, "updated"}}) {
    if (!present) return InvalidArgument(fmt::format("missing field \"{}\"", field));
  }
  if (rec->values.empty()) {
    return InvalidArgument(fmt::format("values: no value at offset {}", values_at));
  }
  if (base64) {
    for (size_t i = 0; i < rec->values.size(); ++i) {
      auto decoded = DecodeBase64(rec->values[i].Expose());
      if (!decoded.ok()) return decoded.status().WithContext(fmt::format("values[{}]", i));
      rec->values[i] = std::move(*decoded);  // wipes the encoded form
    }
  }
  return Status::Ok();
}

}  // namespace

SecretBytes EncodeRecord(const SecretRecord& record) {
  const bool base64 = !AllValuesText(record);
  SecureJsonWriter measure;
  Write(measure, record, base64);
  SecretBytes out(measure.size());
  SecureJsonWriter writer(out.Mutable());
  Write(writer, record, base64);
  if (writer.overflowed() || writer.size() != out.size()) {
    // Both passes run the same code over the same record; a difference is a bug in this file.
    std::fputs("vsecm: secret record encoder measured a different size than it wrote\n", stderr);
    std::abort();
  }
  return out;
}

StatusOr<SecretRecord> DecodeRecord(std::span<const uint8_t> json) {
  SecretRecord record;
  // On failure `record` and every value decoded so far are wiped as they go out of scope.
  if (Status s = DecodeInto(json, &record); !s.ok()) return s.WithContext("secret record");
  return record;
}

bool IsKnownFormat(std::string_view format) {
  static constexpr std::string_view kFormats[] = {"",     "json",   "yaml",        "raw",
                                                  "none", "base64", "json+base64", "yaml+base64",
                                                  "raw+base64", "none+base64"};
  return std::find(std::begin(kFormats), std::end(kFormats), format) != std::end(kFormats);
}

}  // namespace vsecm::kernel
