// Where a process gets its own identity: an X.509-SVID (certificate chain and private key) and
// the trust bundle its peers are checked against. Three sources implement IdentitySource: SVID
// files on disk (svid_files.hpp), the SPIFFE Workload API (workload_api.hpp) and a development
// CA (dev_ca.hpp). Each publishes immutable snapshots; a rotation publishes a new one, and TLS
// contexts configured through tls.hpp pick it up on their next handshake.
#ifndef VSECM_IDENTITY_IDENTITY_SOURCE_HPP_
#define VSECM_IDENTITY_IDENTITY_SOURCE_HPP_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "vsecm/identity/spiffe_id.hpp"
#include "vsecm/identity/x509.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

// One SVID with its bundle, checked and immutable. The private key is kept as PKCS#8 DER in
// secure memory and as the EVP_PKEY OpenSSL signs with.
class IdentitySnapshot {
 public:
  // Checks that the chain's leaf is an SVID, the key decodes and matches the leaf, and the chain
  // verifies against the bundle (validity dates aside: clock skew must not block a reload).
  static StatusOr<IdentitySnapshot> Create(std::vector<X509Ptr> chain,
                                           kernel::SecretBytes key_pkcs8,
                                           std::vector<X509Ptr> bundle);

  IdentitySnapshot(IdentitySnapshot&&) noexcept = default;
  IdentitySnapshot& operator=(IdentitySnapshot&&) noexcept = default;

  const SpiffeId& id() const noexcept { return id_; }
  X509* leaf() const noexcept { return chain_.front().get(); }
  std::span<const X509Ptr> chain() const noexcept { return chain_; }  // leaf first
  EVP_PKEY* key() const noexcept { return key_.get(); }
  const kernel::SecretBytes& key_pkcs8() const noexcept { return key_pkcs8_; }
  std::span<const X509Ptr> bundle() const noexcept { return bundle_; }
  int64_t not_after() const noexcept { return not_after_; }
  // 1 for a source's first snapshot, then +1 per rotation; 0 before publication.
  uint64_t generation() const noexcept { return generation_; }

  // The chain without its leaf, and the bundle, as OpenSSL stacks (owned by the snapshot).
  STACK_OF(X509)* intermediates_stack() const noexcept { return intermediates_.get(); }
  STACK_OF(X509)* bundle_stack() const noexcept { return bundle_stack_.get(); }

 private:
  friend class IdentitySource;
  IdentitySnapshot(SpiffeId id) : id_(std::move(id)) {}

  SpiffeId id_;
  std::vector<X509Ptr> chain_;
  EvpPkeyPtr key_;
  kernel::SecretBytes key_pkcs8_;
  std::vector<X509Ptr> bundle_;
  X509StackPtr intermediates_;
  X509StackPtr bundle_stack_;
  int64_t not_after_ = 0;
  uint64_t generation_ = 0;
};

using SnapshotPtr = std::shared_ptr<const IdentitySnapshot>;

class IdentitySource {
 public:
  virtual ~IdentitySource();
  IdentitySource(const IdentitySource&) = delete;
  IdentitySource& operator=(const IdentitySource&) = delete;

  // The snapshot in force. UNAVAILABLE (with the last load error) before the first one.
  StatusOr<SnapshotPtr> Current() const;

  // 0 before the first snapshot.
  uint64_t generation() const;

  // Waits until a snapshot newer than `after_generation` is published, up to `timeout`.
  // UNAVAILABLE with the last load error when none arrives in time.
  StatusOr<SnapshotPtr> WaitForUpdate(uint64_t after_generation,
                                      std::chrono::milliseconds timeout) const;

  // Called on the source's thread after each publication, without locks held. A listener must
  // not block; it typically logs or bumps a metric. Returns a handle for RemoveListener.
  using Listener = std::function<void(const IdentitySnapshot&)>;
  int AddListener(Listener listener);
  void RemoveListener(int handle);

  // Why the latest load attempt failed (ok when it did not), for logs and readiness.
  Status last_error() const;

  // "svid files in /run/spiffe", "workload api at unix:///...", "development ca in ..."
  virtual std::string Describe() const = 0;

 protected:
  IdentitySource() = default;

  // Stamps the next generation on `snapshot` and makes it current; a snapshot with the same
  // chain, key and bundle as the current one only clears the last error (not a rotation).
  void Publish(IdentitySnapshot snapshot);
  // Records a failed load; the current snapshot, if any, stays in force.
  void ReportError(Status error);

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  SnapshotPtr current_;
  uint64_t generation_ = 0;
  Status last_error_ = Unavailable("no SVID loaded yet");
  std::map<int, Listener> listeners_;
  int next_listener_ = 1;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_IDENTITY_SOURCE_HPP_
