// Thin, Status-returning wrappers over the POSIX calls vsecm-store-fs needs. Every path is
// relative to a directory descriptor (the *at() calls), so the data path is resolved once and a
// later rename or symlink swap of it cannot redirect a write.
#ifndef VSECM_STORE_FS_POSIX_IO_HPP_
#define VSECM_STORE_FS_POSIX_IO_HPP_

#include <sys/stat.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vsecm/sdk/status.hpp"

namespace vsecm::store_fs {

// An owned file descriptor, closed on destruction.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      Reset();
      fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  void Reset() noexcept;
  // Closes now and reports a close error (NFS reports deferred write errors here).
  Status Close(std::string_view what);

 private:
  int fd_ = -1;
};

// "<op> <path>: <strerror>" with a code chosen from errno (ENOENT → kNotFound, EACCES/EPERM →
// kPermissionDenied, ENOSPC/EDQUOT → kResourceExhausted, else kUnavailable).
Status ErrnoStatus(int err, std::string_view op, std::string_view path);

// Opens a directory without following a final symlink.
StatusOr<UniqueFd> OpenDirectory(int dir_fd, const std::string& path, const std::string& shown);

// Writes every byte, retrying on EINTR and short writes.
Status WriteAll(int fd, std::span<const uint8_t> bytes, std::string_view shown);

// Reads a whole regular file (no symlinks). kNotFound when it does not exist.
StatusOr<std::vector<uint8_t>> ReadFileAt(int dir_fd, const std::string& name,
                                          const std::string& shown);

Status Fsync(int fd, std::string_view shown);

// unlinkat that treats a missing file as success.
Status UnlinkIfPresent(int dir_fd, const std::string& name, const std::string& shown);

// Calls visit(name, d_type) for each entry except "." and "..". Stops at the first error.
Status ForEachEntry(int dir_fd, const std::string& shown,
                    const std::function<Status(const std::string& name, unsigned char type)>& visit);

}  // namespace vsecm::store_fs

#endif  // VSECM_STORE_FS_POSIX_IO_HPP_
