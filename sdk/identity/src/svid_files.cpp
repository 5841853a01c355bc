#include "vsecm/identity/svid_files.hpp"

#include <sys/stat.h>

#include <array>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "file_io.hpp"

namespace vsecm::identity {
namespace {

// What identifies one version of a file without reading it.
struct FileStamp {
  dev_t dev = 0;
  ino_t ino = 0;
  off_t size = -1;
  timespec mtime{};
  timespec ctime{};
  bool present = false;

  friend bool operator==(const FileStamp& a, const FileStamp& b) {
    return a.dev == b.dev && a.ino == b.ino && a.size == b.size &&
           a.mtime.tv_sec == b.mtime.tv_sec && a.mtime.tv_nsec == b.mtime.tv_nsec &&
           a.ctime.tv_sec == b.ctime.tv_sec && a.ctime.tv_nsec == b.ctime.tv_nsec &&
           a.present == b.present;
  }
};

using DirStamp = std::array<FileStamp, 3>;

DirStamp StampOf(const std::string& dir) {
  DirStamp stamp;
  const char* const names[] = {kSvidFile, kSvidKeyFile, kSvidBundleFile};
  for (size_t i = 0; i < 3; ++i) {
    struct stat st {};
    if (::stat((dir + "/" + names[i]).c_str(), &st) != 0) continue;  // follows symlinks
    stamp[i] = FileStamp{st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim, true};
  }
  return stamp;
}

}  // namespace

StatusOr<IdentitySnapshot> ReadSvidDirectory(const std::string& dir) {
  const std::string cert_path = dir + "/" + kSvidFile;
  const std::string key_path = dir + "/" + kSvidKeyFile;
  const std::string bundle_path = dir + "/" + kSvidBundleFile;
  VSECM_ASSIGN_OR_RETURN(const std::string cert_pem, internal::ReadSmallFile(cert_path));
  VSECM_ASSIGN_OR_RETURN(const std::string bundle_pem, internal::ReadSmallFile(bundle_path));
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes key_pem, internal::ReadSecretFile(key_path));
  VSECM_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain, ParsePemCertificates(cert_pem, cert_path));
  VSECM_ASSIGN_OR_RETURN(std::vector<X509Ptr> bundle,
                         ParsePemCertificates(bundle_pem, bundle_path));
  VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes key, PrivateKeyPemToPkcs8(key_pem.Expose(), key_path));
  StatusOr<IdentitySnapshot> snapshot =
      IdentitySnapshot::Create(std::move(chain), std::move(key), std::move(bundle));
  if (!snapshot.ok()) return snapshot.status().WithContext(dir);
  return snapshot;
}

Status WriteSvidDirectory(const std::string& dir, const IdentitySnapshot& snapshot) {
  VSECM_RETURN_IF_ERROR(internal::MakeDirectory(dir, 0700));
  VSECM_ASSIGN_OR_RETURN(const std::string chain_pem, CertificatesToPem(snapshot.chain()));
  VSECM_ASSIGN_OR_RETURN(const std::string bundle_pem, CertificatesToPem(snapshot.bundle()));
  VSECM_ASSIGN_OR_RETURN(const kernel::SecretBytes key_pem,
                         Pkcs8ToPem(snapshot.key_pkcs8().Expose()));
  auto bytes = [](const std::string& s) {
    return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  // Bundle first: a reader that sees the new leaf already has the CA that signed it.
  VSECM_RETURN_IF_ERROR(
      internal::ReplaceFile(dir + "/" + kSvidBundleFile, bytes(bundle_pem), 0644));
  VSECM_RETURN_IF_ERROR(internal::ReplaceFile(dir + "/" + kSvidKeyFile, key_pem.Expose(), 0600));
  return internal::ReplaceFile(dir + "/" + kSvidFile, bytes(chain_pem), 0644);
}

struct SvidFileSource::State {
  std::string dir;
  std::chrono::milliseconds poll_interval;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  bool poll_now = false;
  std::optional<DirStamp> loaded;  // the files behind the current snapshot
  std::thread thread;
};

std::unique_ptr<SvidFileSource> SvidFileSource::Open(const std::string& dir,
                                                     std::chrono::milliseconds poll_interval) {
  std::unique_ptr<SvidFileSource> source(new SvidFileSource(dir, poll_interval));
  source->Poll();
  source->state_->thread = std::thread([s = source.get()] { s->Run(); });
  return source;
}

SvidFileSource::SvidFileSource(const std::string& dir, std::chrono::milliseconds poll_interval)
    : state_(std::make_unique<State>()) {
  state_->dir = dir;
  state_->poll_interval = poll_interval;
}

SvidFileSource::~SvidFileSource() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
  }
  state_->wake.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string SvidFileSource::Describe() const { return "svid files in " + state_->dir; }

void SvidFileSource::PollNow() {
  {
    std::lock_guard lock(state_->mutex);
    state_->poll_now = true;
  }
  state_->wake.notify_all();
}

// Runs on the poll thread only (or in Open before it starts): it alone touches `loaded`.
void SvidFileSource::Poll() {
  const DirStamp before = StampOf(state_->dir);
  if (state_->loaded.has_value() && *state_->loaded == before) return;
  StatusOr<IdentitySnapshot> snapshot = ReadSvidDirectory(state_->dir);
  // A file replaced while we read it: try again next time instead of trusting a mix.
  if (!(StampOf(state_->dir) == before)) return;
  if (!snapshot.ok()) {
    ReportError(snapshot.status());
    return;
  }
  state_->loaded = before;
  Publish(std::move(snapshot).value());
}

void SvidFileSource::Run() {
  std::unique_lock lock(state_->mutex);
  while (!state_->stop) {
    state_->wake.wait_for(lock, state_->poll_interval,
                          [&] { return state_->stop || state_->poll_now; });
    if (state_->stop) break;
    state_->poll_now = false;
    lock.unlock();
    Poll();
    lock.lock();
  }
}

}  // namespace vsecm::identity
