#include "vsecm/identity/identity_source.hpp"

#include <openssl/crypto.h>

#include <ctime>
#include <utility>

#include "vsecm/identity/svid.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::identity {
namespace {

std::string FormatTime(int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  char text[32] = "?";
  if (gmtime_r(&t, &tm) != nullptr) std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

bool SameCertificates(std::span<const X509Ptr> a, std::span<const X509Ptr> b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (X509_cmp(a[i].get(), b[i].get()) != 0) return false;
  }
  return true;
}

// A source may re-read files that were rewritten with the same content (a bundle replaced
// first, the leaf and key not yet): that is not a rotation.
bool SameIdentity(const IdentitySnapshot& a, const IdentitySnapshot& b) {
  const auto ka = a.key_pkcs8().Expose();
  const auto kb = b.key_pkcs8().Expose();
  return SameCertificates(a.chain(), b.chain()) && SameCertificates(a.bundle(), b.bundle()) &&
         ka.size() == kb.size() && CRYPTO_memcmp(ka.data(), kb.data(), ka.size()) == 0;
}

}  // namespace

StatusOr<IdentitySnapshot> IdentitySnapshot::Create(std::vector<X509Ptr> chain,
                                                    kernel::SecretBytes key_pkcs8,
                                                    std::vector<X509Ptr> bundle) {
  if (chain.empty()) return InvalidArgument("the SVID has no certificate");
  if (bundle.empty()) return InvalidArgument("the trust bundle has no certificate");
  StatusOr<SpiffeId> id = SpiffeIdFromCertificate(chain.front().get());
  if (!id.ok()) return InvalidArgument("the SVID leaf is refused: " + id.status().message());
  VSECM_ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyDer(key_pkcs8.Expose(), "SVID key"));
  if (EVP_PKEY_eq(X509_get0_pubkey(chain.front().get()), key.get()) != 1) {
    TakeOpenSslErrors();
    return InvalidArgument("the SVID key does not match the SVID certificate");
  }
  VerifyOptions verify;
  verify.trust_domain.clear();  // a source serves whatever it was given; peers check domains
  verify.ignore_time = true;
  StatusOr<SpiffeId> verified = VerifySvidChain(chain, bundle, verify);
  if (!verified.ok()) {
    return InvalidArgument("the SVID does not chain to its trust bundle: " +
                           verified.status().message());
  }
  VSECM_ASSIGN_OR_RETURN(const int64_t not_after, NotAfter(chain.front().get()));

  IdentitySnapshot snapshot(std::move(id).value());
  snapshot.intermediates_ = ToStack(std::span<const X509Ptr>(chain).subspan(1));
  snapshot.bundle_stack_ = ToStack(bundle);
  if (!snapshot.intermediates_ || !snapshot.bundle_stack_) {
    return Internal("cannot allocate a certificate stack");
  }
  snapshot.chain_ = std::move(chain);
  snapshot.key_ = std::move(key);
  snapshot.key_pkcs8_ = std::move(key_pkcs8);
  snapshot.bundle_ = std::move(bundle);
  snapshot.not_after_ = not_after;
  return snapshot;
}

IdentitySource::~IdentitySource() = default;

StatusOr<SnapshotPtr> IdentitySource::Current() const {
  std::lock_guard lock(mutex_);
  if (!current_) return last_error_.ok() ? Unavailable("no SVID loaded yet") : last_error_;
  return current_;
}

uint64_t IdentitySource::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

StatusOr<SnapshotPtr> IdentitySource::WaitForUpdate(uint64_t after_generation,
                                                    std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  if (!changed_.wait_for(lock, timeout, [&] { return generation_ > after_generation; })) {
    const Status why = last_error_.ok() ? Unavailable("no new SVID was published") : last_error_;
    return Unavailable("waiting for an SVID from " + Describe() + ": " + why.message());
  }
  return current_;
}

int IdentitySource::AddListener(Listener listener) {
  std::lock_guard lock(mutex_);
  const int handle = next_listener_++;
  listeners_.emplace(handle, std::move(listener));
  return handle;
}

void IdentitySource::RemoveListener(int handle) {
  std::lock_guard lock(mutex_);
  listeners_.erase(handle);
}

Status IdentitySource::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

void IdentitySource::Publish(IdentitySnapshot snapshot) {
  std::vector<Listener> listeners;
  SnapshotPtr published;
  {
    std::lock_guard lock(mutex_);
    if (current_ != nullptr && SameIdentity(*current_, snapshot)) {
      last_error_ = Status::Ok();
      return;
    }
    snapshot.generation_ = ++generation_;
    published = std::make_shared<const IdentitySnapshot>(std::move(snapshot));
    current_ = published;
    last_error_ = Status::Ok();
    for (const auto& [handle, listener] : listeners_) listeners.push_back(listener);
  }
  kernel::LogInfo("identity", "SVID {} (generation {}, expires {}) from {}", published->id().str(),
                  published->generation(), FormatTime(published->not_after()), Describe());
  // Listeners run before waiters wake, so a waiter sees what the listeners did.
  for (const Listener& listener : listeners) listener(*published);
  changed_.notify_all();
}

void IdentitySource::ReportError(Status error) {
  bool changed;
  {
    std::lock_guard lock(mutex_);
    changed = !(error == last_error_);
    last_error_ = std::move(error);
  }
  // A broken file polled every second would otherwise log every second.
  if (changed) {
    kernel::LogWarning("identity", "cannot load an SVID from {}: {}", Describe(),
                       last_error().message());
  }
}

}  // namespace vsecm::identity
