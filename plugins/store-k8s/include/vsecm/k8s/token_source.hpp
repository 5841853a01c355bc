// The bearer token, kept in secure memory and re-read when its file rotates.
//
// Kubernetes rotates projected service-account tokens by swapping the file (a symlink flip).
// The file is checked at most once per `recheck` interval (its inode, size and mtime); when any
// changed, it is read again. A 401 from the API server forces a re-read (Refresh) whatever the
// interval, because the server may have rotated the token before the interval passed.
#ifndef VSECM_K8S_TOKEN_SOURCE_HPP_
#define VSECM_K8S_TOKEN_SOURCE_HPP_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

class TokenSource {
 public:
  using Clock = std::chrono::steady_clock;

  // No token: requests go without an Authorization header.
  TokenSource() = default;
  // A fixed token (kubeconfig `token`).
  explicit TokenSource(kernel::SecretBytes token) : token_(std::move(token)) {}
  // A token file. The first read happens in Load().
  TokenSource(std::string path, std::chrono::seconds recheck)
      : path_(std::move(path)), recheck_(recheck) {}

  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // Reads the file now (a no-op for fixed tokens); an error names the file.
  Status Load();

  // Calls `use` with the current token ("" when there is none), re-reading a rotated file first
  // when the interval has passed. The view is valid only during the call, which holds the
  // source's lock: keep it short (Current() for a copy to use outside).
  Status Use(const std::function<void(std::string_view token)>& use);

  // A copy of the current token in secure memory (empty when there is none), as Use() sees it.
  StatusOr<kernel::SecretBytes> Current();

  // Re-reads the file now. Returns true when the token changed. Fixed tokens never change.
  StatusOr<bool> Refresh();

  bool from_file() const noexcept { return !path_.empty(); }
  const std::string& path() const noexcept { return path_; }

 private:
  struct FileStamp {
    ino_t inode = 0;
    off_t size = -1;
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  // Reads the file into token_ (under mu_). Sets *changed when the bytes differ.
  Status ReadLocked(bool* changed);

  std::mutex mu_;
  std::string path_;
  std::chrono::seconds recheck_{60};
  Clock::time_point last_check_{};
  FileStamp stamp_;
  kernel::SecretBytes token_;
};

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_TOKEN_SOURCE_HPP_
