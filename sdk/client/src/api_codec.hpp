// The Safe's request and response bodies on the client side, and the Status each failed answer
// maps to. Bodies that carry secret values are written and read in secure memory only.
#ifndef VSECM_CLIENT_SRC_API_CODEC_HPP_
#define VSECM_CLIENT_SRC_API_CODEC_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vsecm/client/types.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client::internal {

struct HttpReply {
  unsigned status = 0;
  kernel::SecretBytes body;
};

// The Status for an answer other than 200, in the words an operator needs:
//   503 → UNAVAILABLE "the Safe is not ready: <why>"
//   400 naming our SPIFFE ID → PERMISSION_DENIED "the Safe refused our identity: <why>"
//   400 → INVALID_ARGUMENT <the Safe's err>;  404 → NOT_FOUND <err>;  else INTERNAL.
Status StatusFromReply(const HttpReply& reply);

// The "err" of a {"err": "..."} body, else the body's first 200 bytes as text.
std::string ErrorText(std::span<const uint8_t> body);

kernel::SecretBytes EncodeUpsert(const UpsertRequest& request);
kernel::SecretBytes EncodeDelete(const std::vector<std::string>& workloads);
kernel::SecretBytes EncodeRootKey(const RootKeyParts& parts);

StatusOr<WorkloadSecret> DecodeWorkloadSecret(std::span<const uint8_t> body);
StatusOr<std::vector<SecretSummary>> DecodeSecretList(std::span<const uint8_t> body);
StatusOr<EncryptedSecretList> DecodeEncryptedList(std::span<const uint8_t> body);
// {"status":"ready"} → true, {"status":"pending"} → false.
StatusOr<bool> DecodeKeystone(std::span<const uint8_t> body);

}  // namespace vsecm::client::internal

#endif  // VSECM_CLIENT_SRC_API_CODEC_HPP_
