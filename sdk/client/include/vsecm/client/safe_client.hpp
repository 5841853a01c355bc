// A client of the Safe's API over mutual TLS: what workloads, the sidecar, the init container
// and Sentinel use.
//
//   auto client = SafeClient::Create(ClientOptionsFromEnvironment(env), env);
//   StatusOr<WorkloadSecret> secret = (*client)->Fetch();   // the caller's own secret
//
// Every call shares one kept-alive connection (calls are serialized). A call that fails with
// UNAVAILABLE — the Safe unreachable, not ready (503), or the connection lost — is retried
// with the options' back-off; other failures return at once. The failure kinds:
//
//   UNAVAILABLE        "cannot reach the Safe at <url>: ...", "the Safe is not ready: ..."
//   PERMISSION_DENIED  the Safe refused our SPIFFE ID, or the TLS handshake failed because the
//                      server is not a Safe we trust or it refused our certificate
//   NOT_FOUND          the Safe has no secret for this workload (or it is not yet/no longer valid)
//   INVALID_ARGUMENT   the Safe refused the request; the message is the Safe's (a bad template
//                      names its line and column)
//
// Secret values only ever sit in secure memory (kernel::SecretBytes); nothing is written to
// disk.
#ifndef VSECM_CLIENT_SAFE_CLIENT_HPP_
#define VSECM_CLIENT_SAFE_CLIENT_HPP_

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "vsecm/client/client_options.hpp"
#include "vsecm/client/types.hpp"
#include "vsecm/client/watch.hpp"
#include "vsecm/identity/identity_source.hpp"
#include "vsecm/identity/roles.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client {

class SafeClient {
 public:
  // Opens the identity source the options name (waiting up to identity.initial_wait for the
  // first SVID) and reads VSecM's role patterns from `env`.
  static StatusOr<std::unique_ptr<SafeClient>> Create(ClientOptions options,
                                                      const kernel::EnvLookup& env);
  // With an identity source and role patterns the caller already has.
  static StatusOr<std::unique_ptr<SafeClient>> Create(
      ClientOptions options, std::shared_ptr<identity::IdentitySource> source,
      identity::RoleMatcher roles);

  ~SafeClient();
  SafeClient(const SafeClient&) = delete;
  SafeClient& operator=(const SafeClient&) = delete;

  // ---- the workload API
  // This workload's secret (the Safe derives the workload's name from our SPIFFE ID).
  StatusOr<WorkloadSecret> Fetch();
  // One attempt, without the back-off (for callers that poll on their own schedule).
  StatusOr<WorkloadSecret> FetchOnce();
  // Polls every options.poll_interval on a connection of its own and calls `on_change` with
  // the first secret and with every later one whose data differs (compared in constant time).
  // Failures go to `on_error` and polling goes on (the Safe may be restarting). The watch
  // shares only the TLS context with this client and may outlive it.
  std::unique_ptr<SecretWatch> Watch(WatchCallback on_change, WatchOptions options = {},
                                     ErrorCallback on_error = {});

  // ---- the Sentinel API (our SPIFFE ID must be Sentinel's)
  Status Upsert(const UpsertRequest& request);
  Status Delete(const std::vector<std::string>& workloads);
  StatusOr<std::vector<SecretSummary>> List();
  StatusOr<EncryptedSecretList> ListEncrypted();
  // Whether Sentinel's init commands have completed (the vsecm-keystone secret exists).
  StatusOr<bool> KeystoneReady();
  // The root key in the Safe's manual mode (VSECM_ROOT_KEY_INPUT_MODE_MANUAL=true).
  Status PostRootKey(const RootKeyParts& parts);
  // `value` encrypted with the Safe's key, as base64 cipher text; nothing is stored. A later
  // Upsert with encrypt=true and workloads stores it.
  StatusOr<std::string> EncryptOnly(const kernel::SecretBytes& value);

  const std::string& url() const;
  // Our SPIFFE ID as the identity source currently has it ("" before the first SVID).
  std::string spiffe_id() const;

 private:
  struct Impl;
  explicit SafeClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsecm::client

#endif  // VSECM_CLIENT_SAFE_CLIENT_HPP_
