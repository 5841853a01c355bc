// Kubernetes object names, and the mapping of VSecM record names onto them.
//
// A Secret's name must be an RFC 1123 DNS subdomain: at most 253 characters of [a-z0-9.-],
// each dot-separated label starting and ending with a letter or digit. VSecM names are 1-250
// bytes of [A-Za-z0-9._:@+=,-] (see vsecm_store.h), so they are encoded:
//
//   a-z 0-9            themselves
//   A-Z                '-' followed by the lower-case letter      ("Web" → "-web")
//   . _ : @ + = , -    '-' followed by 0 1 2 3 4 5 6 7            ("k8s:a-b" → "k8s-2a-7b")
//
// The encoding is injective, so different names never share an object, and decodable. When
// prefix + encoding would pass 253 characters, the object name is the first characters of the
// encoding, then "-9" (never produced by the encoding above) and 32 hex digits of SHA-256 of the
// name. Such names cannot be decoded; stores keep the original name in an annotation anyway.
#ifndef VSECM_K8S_OBJECT_NAME_HPP_
#define VSECM_K8S_OBJECT_NAME_HPP_

#include <optional>
#include <string>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

inline constexpr size_t kMaxObjectName = 253;

bool IsDnsLabel(std::string_view name);      // RFC 1123 label, <= 63 (namespaces)
bool IsDnsSubdomain(std::string_view name);  // RFC 1123 subdomain, <= 253 (Secrets)

// VSecM's record name rule: 1-250 bytes of [A-Za-z0-9._:@+=,-], not starting with '.'.
// The error says which byte is refused and where, as an escape (never the whole name).
Status CheckRecordName(std::string_view name);

// A prefix for object names: [a-z0-9] followed by [a-z0-9-]*, 1 to 64 characters (never empty:
// an encoding may start with '-', which no object name may).
Status CheckObjectNamePrefix(std::string_view prefix);

// prefix + the encoding above (or its hashed long form). `name` must pass CheckRecordName.
std::string EncodeRecordName(std::string_view prefix, std::string_view name);

// The record name of an object name made by EncodeRecordName with `prefix`; nullopt when it is
// not one (other prefix, long form, or not a valid encoding).
std::optional<std::string> DecodeRecordName(std::string_view prefix, std::string_view object_name);

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_OBJECT_NAME_HPP_
