// JSON of Secrets and Status objects, in wiping memory (see wiping.hpp).
#ifndef VSECM_K8S_SRC_SECRET_JSON_HPP_
#define VSECM_K8S_SRC_SECRET_JSON_HPP_

#include <nlohmann/json.hpp>

#include <string>

#include "vsecm/k8s/secrets_api.hpp"
#include "vsecm/k8s/wiping.hpp"

namespace vsecm::k8s::internal {

// nlohmann::json whose strings, keys and nodes all live in wiping memory.
using WipingJson = nlohmann::basic_json<std::map, std::vector, WipingString, bool, std::int64_t,
                                        std::uint64_t, double, WipingAllocator>;

// Deeper than any object this client reads (a Secret's managedFields reach about 8 levels).
inline constexpr int kMaxJsonDepth = 100;

// Parses a response body; a discarded value (is_discarded()) when it is not JSON or nests
// deeper than kMaxJsonDepth. nlohmann parses any depth, but copying or printing a value
// recurses once per level: a deep enough body would overflow the stack (DecodeMeta copies
// metadata it does not model).
WipingJson ParseBody(const WipingString& body);

// {"apiVersion":"v1","kind":"Secret","metadata":{...},"type":...,"data":{...}}: the data values
// are base64-encoded straight into the output by a constant-time encoder.
WipingString EncodeSecret(const Secret& secret, std::string_view ns);

// A Secret from an API object (a whole response, or an item of a list). Data values that are not
// valid base64 are an error naming the key.
StatusOr<Secret> DecodeSecret(const WipingJson& object);
StatusOr<ObjectMeta> DecodeMeta(const WipingJson& metadata);

// reason and message of a Status object, empty when the body is not one. The message is cut to
// a sane length and stripped of control characters.
struct ApiStatus {
  std::string reason;
  std::string message;
};
ApiStatus ParseStatus(const WipingString& body);

}  // namespace vsecm::k8s::internal

#endif  // VSECM_K8S_SRC_SECRET_JSON_HPP_
