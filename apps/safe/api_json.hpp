// VSecM's request and response bodies, read and written in secure memory (they carry secret
// values). Field names are VSecM's (core/entity/v1/reqres/safe). Unknown fields are ignored, as
// Go's encoding/json does; a known field of the wrong type is an error naming the field.
#ifndef VSECM_APPS_SAFE_API_JSON_HPP_
#define VSECM_APPS_SAFE_API_JSON_HPP_

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/beast/http/status.hpp>

#include "http_types.hpp"
#include "vsecm/kernel/secret_registry.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/kernel/timestamp.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct UpsertBody {
  std::vector<std::string> workloads;
  std::vector<std::string> namespaces;
  kernel::SecretBytes value;
  std::string template_text;
  std::string format;
  bool encrypt = false;
  std::optional<kernel::Timestamp> not_before;  // absent, "" or "now": from now on
  std::optional<kernel::Timestamp> expires;     // absent, "" or "never": never
};
StatusOr<UpsertBody> ParseUpsertBody(std::span<const uint8_t> body, kernel::Timestamp now);

StatusOr<std::vector<std::string>> ParseDeleteBody(std::span<const uint8_t> body);

struct RootKeyBody {
  kernel::SecretBytes age_secret_key, age_public_key, aes_cipher_key;
};
StatusOr<RootKeyBody> ParseRootKeyBody(std::span<const uint8_t> body);

// {"err":"<message>"} with the status.
Response ErrorResponse(boost::beast::http::status status, const std::string& message);
// A text/plain body ("OK", or a base64 cipher text).
Response TextResponse(boost::beast::http::status status, std::string_view text);
// {"data":…,"created":…,"updated":…}, as VSecM writes it (its times carry literal quotes).
Response WorkloadSecretResponse(const kernel::SecretView& secret);
Response SecretListResponse(const std::vector<kernel::SecretSummary>& secrets);
Response EncryptedListResponse(
    const std::vector<std::pair<kernel::SecretSummary, kernel::Bytes>>& secrets,
    std::string_view algorithm);
Response KeystoneResponse(bool ready);

std::string Base64(std::span<const uint8_t> bytes);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_API_JSON_HPP_
