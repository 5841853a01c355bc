// What the Safe's API carries, as the client hands it to callers. Secret values (a workload's
// data, a value to store, root key parts) are kernel::SecretBytes: locked, never dumped, wiped
// when freed. Names, dates and cipher text are ordinary strings.
#ifndef VSECM_CLIENT_TYPES_HPP_
#define VSECM_CLIENT_TYPES_HPP_

#include <string>
#include <vector>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::client {

// GET /workload/v1/secrets: the caller's own secret, rendered by its template and format.
struct WorkloadSecret {
  kernel::SecretBytes data;
  std::string created;  // RFC 3339
  std::string updated;  // RFC 3339
};

// POST /sentinel/v1/secrets. With `encrypt` and no workloads the Safe encrypts `value` with its
// key and stores nothing (see SafeClient::EncryptOnly); with `encrypt` and workloads, `value` is
// such a cipher text and the Safe decrypts it before storing.
struct UpsertRequest {
  std::vector<std::string> workloads;
  std::vector<std::string> namespaces;  // empty: the Safe uses "default"
  kernel::SecretBytes value;
  std::string template_text;  // Go text/template over the value parsed as JSON
  std::string format;         // "", "json", "yaml" or "raw"
  bool encrypt = false;
  std::string not_before = "now";  // "now" or RFC 3339
  std::string expires = "never";   // "never" or RFC 3339
};

// One row of GET /sentinel/v1/secrets. Dates the Safe never set are Go's zero time
// ("0001-01-01T00:00:00Z"), as VSecM prints them.
struct SecretSummary {
  std::string name;
  std::string created;
  std::string updated;
  std::string not_before;
  std::string expires_after;
};

// GET /sentinel/v1/secrets?reveal=true: each value encrypted with the Safe's key (base64).
struct EncryptedSecret {
  SecretSummary summary;
  std::string value;
};
struct EncryptedSecretList {
  std::vector<EncryptedSecret> secrets;
  std::string algorithm;  // "age" or "aes"
};

// POST /sentinel/v1/keys, in the Safe's manual root key mode: the three lines of a root key.
struct RootKeyParts {
  kernel::SecretBytes age_secret_key;  // AGE-SECRET-KEY-1...
  kernel::SecretBytes age_public_key;  // age1...
  kernel::SecretBytes aes_cipher_key;  // 64 hex digits
};

}  // namespace vsecm::client

#endif  // VSECM_CLIENT_TYPES_HPP_
