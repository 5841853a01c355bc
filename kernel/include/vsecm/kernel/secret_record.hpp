// One secret as the kernel persists it: serialized here, encrypted by the crypto plugin, kept by
// the store plugin. The text lives only in secure memory, in both directions.
//
// Layout (VSecM's SecretStored field names, plus a version):
//   {"name":"…","values":["…",…],"meta":{"namespaces":[…],"template":"…","format":"…",
//    "correlationId":"…","namespacesBound":true},"created":"RFC 3339","updated":"…","notBefore":"…",
//    "expiresAfter":"…","version":1}
// notBefore and expiresAfter are left out when absent ("now" and "never"), namespacesBound when
// false (records written before it existed read as unbound).
//
// Values are arbitrary bytes. When every value is valid UTF-8 they are written as JSON text,
// as VSecM does. When any value is not, the record carries "valuesEncoding":"base64" and every
// value of that record is standard padded base64 (RFC 4648 §4), so any bytes round-trip
// exactly. Metadata strings are text: invalid UTF-8 in them is written as U+FFFD, as Go's
// encoding/json does.
#ifndef VSECM_KERNEL_SECRET_RECORD_HPP_
#define VSECM_KERNEL_SECRET_RECORD_HPP_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/kernel/timestamp.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

inline constexpr int64_t kSecretRecordVersion = 1;

struct SecretRecord {
  std::string name;                     // the workload name (VSecM: name = workload)
  std::vector<SecretBytes> values;      // one or more values, oldest first
  std::vector<std::string> namespaces;  // meta.namespaces
  // meta.namespacesBound: the namespaces were given at upsert, and only workloads whose SPIFFE
  // ID names one of them are served. False: VSecM's behaviour (any namespace).
  bool namespaces_bound = false;
  std::string template_text;            // meta.template
  std::string format;                   // meta.format: "", "json", "yaml" or "raw"
  std::string correlation_id;           // meta.correlationId
  Timestamp created;
  Timestamp updated;
  std::optional<Timestamp> not_before;     // absent: valid from the start
  std::optional<Timestamp> expires_after;  // absent: never expires
};

// Serializes into secure memory of exactly the needed size (measured in a first pass, so the
// text is never reallocated and no partial copy is left behind). Throws std::bad_alloc only.
// The output formats a record may name: VSecM's ("" means the default, json), "none", and a
// "+base64" step after any of them (Kubernetes Secret data).
bool IsKnownFormat(std::string_view format);

SecretBytes EncodeRecord(const SecretRecord& record);

// Strict: refuses anything but one JSON object of the layout above — trailing text, unknown or
// duplicate fields, wrong types, missing name/values/created/updated, an empty name or value
// list, an unknown format or version, nesting deeper than 16, bad escapes, lone surrogates,
// invalid UTF-8, bad base64 and bad timestamps. Errors name the field and the byte offset and
// never quote the text; an unknown field is named only when it looks like a field name (up to
// 32 letters, digits or '_'). Values are decoded straight into SecretBytes.
StatusOr<SecretRecord> DecodeRecord(std::span<const uint8_t> json);

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_SECRET_RECORD_HPP_
