#include "vsecm/identity/dev_ca.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <ctime>
#include <mutex>
#include <thread>

#include "file_io.hpp"
#include "vsecm/identity/cert_builder.hpp"
#include "vsecm/identity/svid_files.hpp"

namespace vsecm::identity {
namespace {

constexpr int64_t kCaLifetimeSeconds = int64_t{3650} * 24 * 3600;  // ten years
constexpr int64_t kClockSkewSeconds = 60;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

bool Exists(const std::string& path, struct stat* st) { return ::lstat(path.c_str(), st) == 0; }

// An exclusive flock on DIR/ca.lock for the lifetime of the object.
class DirLock {
 public:
  explicit DirLock(const std::string& dir)
      : fd_(::open((dir + "/ca.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) {
    if (fd_ >= 0 && ::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~DirLock() {
    if (fd_ >= 0) ::close(fd_);  // releases the lock
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

StatusOr<std::pair<X509Ptr, EvpPkeyPtr>> LoadCa(const std::string& cert_path,
                                                const std::string& key_path) {
  struct stat st {};
  if (::stat(key_path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return PermissionDenied(key_path + " is accessible to group or others; chmod 600 it");
  }
  VSECM_ASSIGN_OR_RETURN(const std::string cert_pem, internal::ReadSmallFile(cert_path));
  VSECM_ASSIGN_OR_RETURN(std::vector<X509Ptr> certs, ParsePemCertificates(cert_pem, cert_path));
  if (certs.size() != 1) return InvalidArgument(cert_path + ": expected exactly one certificate");
  if (X509_check_ca(certs.front().get()) == 0) {
    return InvalidArgument(cert_path + ": not a CA certificate");
  }
  VSECM_ASSIGN_OR_RETURN(const kernel::SecretBytes key_pem, internal::ReadSecretFile(key_path));
  VSECM_ASSIGN_OR_RETURN(const kernel::SecretBytes key_der,
                         PrivateKeyPemToPkcs8(key_pem.Expose(), key_path));
  VSECM_ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyDer(key_der.Expose(), key_path));
  if (EVP_PKEY_eq(X509_get0_pubkey(certs.front().get()), key.get()) != 1) {
    TakeOpenSslErrors();
    return InvalidArgument(key_path + " does not match " + cert_path);
  }
  VSECM_ASSIGN_OR_RETURN(const int64_t not_after, NotAfter(certs.front().get()));
  if (not_after <= Now()) {
    return FailedPrecondition(cert_path +
                              ": the development CA has expired; remove its directory "
                              "to create a new one");
  }
  return std::make_pair(std::move(certs.front()), std::move(key));
}

StatusOr<std::pair<X509Ptr, EvpPkeyPtr>> CreateCa(const std::string& cert_path,
                                                  const std::string& key_path) {
  VSECM_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateEcKey());
  CertificateSpec spec;
  spec.common_name = "VSecM development CA";
  spec.is_ca = true;
  spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  spec.server_auth = spec.client_auth = false;
  spec.not_before = Now() - kClockSkewSeconds;
  spec.not_after = spec.not_before + kCaLifetimeSeconds;
  VSECM_ASSIGN_OR_RETURN(X509Ptr cert, BuildCertificate(spec, key.get(), nullptr, nullptr));
  VSECM_ASSIGN_OR_RETURN(const kernel::SecretBytes der, PrivateKeyToPkcs8(key.get()));
  VSECM_ASSIGN_OR_RETURN(const kernel::SecretBytes pem, Pkcs8ToPem(der.Expose()));
  VSECM_ASSIGN_OR_RETURN(const std::string cert_pem,
                         CertificatesToPem(std::span<const X509Ptr>(&cert, 1)));
  VSECM_RETURN_IF_ERROR(internal::ReplaceFile(key_path, pem.Expose(), 0600));
  VSECM_RETURN_IF_ERROR(internal::ReplaceFile(
      cert_path, std::span(reinterpret_cast<const uint8_t*>(cert_pem.data()), cert_pem.size()),
      0644));
  return std::make_pair(std::move(cert), std::move(key));
}

}  // namespace

StatusOr<DevCa> DevCa::OpenOrCreate(const std::string& dir) {
  VSECM_RETURN_IF_ERROR(internal::MakeDirectory(dir, 0700));
  DirLock lock(dir);
  if (!lock.ok()) return Unavailable(dir + "/ca.lock: cannot lock: " + std::strerror(errno));
  const std::string cert_path = dir + "/" + kDevCaCertFile;
  const std::string key_path = dir + "/" + kDevCaKeyFile;
  struct stat st {};
  const bool have_cert = Exists(cert_path, &st);
  const bool have_key = Exists(key_path, &st);
  if (have_cert != have_key) {
    return FailedPrecondition(dir + ": has " + (have_cert ? kDevCaCertFile : kDevCaKeyFile) +
                              " but not " + (have_cert ? kDevCaKeyFile : kDevCaCertFile) +
                              "; restore it or remove both to create a new CA");
  }
  StatusOr<std::pair<X509Ptr, EvpPkeyPtr>> ca =
      have_cert ? LoadCa(cert_path, key_path) : CreateCa(cert_path, key_path);
  if (!ca.ok()) return ca.status().WithContext("development CA");
  return DevCa(dir, std::move(ca->first), std::move(ca->second));
}

StatusOr<IdentitySnapshot> DevCa::Issue(const SvidRequest& request) const {
  StatusOr<SpiffeId> id = SpiffeId::Parse(request.spiffe_id);
  if (!id.ok()) return id.status();
  if (id->path().empty()) {
    return InvalidArgument("an SVID needs a SPIFFE ID with a path, not a bare trust domain");
  }
  if (request.ttl.count() <= 0) return InvalidArgument("the SVID ttl must be positive");
  CertificateSpec spec;
  spec.organization = "VSecM development";
  spec.uris = {id->str()};
  spec.dns_names = request.dns_names;
  spec.ip_addresses = request.ip_addresses;
  spec.key_usage = KU_DIGITAL_SIGNATURE;
  spec.not_before = request.not_before.value_or(Now() - kClockSkewSeconds);
  spec.not_after = (request.not_before.has_value() ? spec.not_before : Now()) +
                   static_cast<int64_t>(request.ttl.count());
  VSECM_ASSIGN_OR_RETURN(const int64_t ca_not_after, NotAfter(cert_.get()));
  if (spec.not_after > ca_not_after) {
    return InvalidArgument("the SVID would outlive the development CA; use a shorter ttl");
  }
  VSECM_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateEcKey());
  VSECM_ASSIGN_OR_RETURN(X509Ptr leaf, BuildCertificate(spec, key.get(), cert_.get(), key_.get()));
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes der, PrivateKeyToPkcs8(key.get()));
  std::vector<X509Ptr> chain;
  chain.push_back(std::move(leaf));
  std::vector<X509Ptr> bundle;
  bundle.push_back(ShareCertificate(cert_.get()));
  return IdentitySnapshot::Create(std::move(chain), std::move(der), std::move(bundle));
}

Status DevCa::IssueSvid(const SvidRequest& request, const std::string& out_dir) const {
  VSECM_ASSIGN_OR_RETURN(const IdentitySnapshot svid, Issue(request));
  return WriteSvidDirectory(out_dir, svid);
}

struct DevCaSource::State {
  State(DevCa c, SvidRequest r) : ca(std::move(c)), request(std::move(r)) {}
  DevCa ca;
  SvidRequest request;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  int64_t renew_at = 0;
  std::thread thread;
};

StatusOr<std::unique_ptr<DevCaSource>> DevCaSource::Open(DevCa ca, SvidRequest request) {
  auto state = std::make_unique<State>(std::move(ca), std::move(request));
  VSECM_ASSIGN_OR_RETURN(IdentitySnapshot first, state->ca.Issue(state->request));
  state->request.not_before.reset();  // renewals start now
  state->renew_at = first.not_after() - static_cast<int64_t>(state->request.ttl.count()) / 2;
  std::unique_ptr<DevCaSource> source(new DevCaSource(std::move(state)));
  source->Publish(std::move(first));
  source->state_->thread = std::thread([s = source.get()] { s->Run(); });
  return source;
}

DevCaSource::DevCaSource(std::unique_ptr<State> state) : state_(std::move(state)) {}

DevCaSource::~DevCaSource() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->wake.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string DevCaSource::Describe() const { return "development CA in " + state_->ca.dir(); }

void DevCaSource::Run() {
  std::unique_lock lock(state_->mutex);
  while (!state_->stop) {
    const int64_t wait = std::max<int64_t>(state_->renew_at - Now(), 0);
    if (state_->wake.wait_for(lock, std::chrono::seconds(wait), [&] { return state_->stop; })) {
      break;
    }
    if (Now() < state_->renew_at) continue;
    StatusOr<IdentitySnapshot> next = state_->ca.Issue(state_->request);
    if (!next.ok()) {
      ReportError(next.status());
      state_->renew_at = Now() + 1;
      continue;
    }
    state_->renew_at = next->not_after() - static_cast<int64_t>(state_->request.ttl.count()) / 2;
    lock.unlock();
    Publish(std::move(next).value());
    lock.lock();
  }
}

}  // namespace vsecm::identity
