#include "posix_io.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace vsecm::store_fs {

void UniqueFd::Reset() noexcept {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status UniqueFd::Close(std::string_view what) {
  int fd = std::exchange(fd_, -1);
  if (fd >= 0 && ::close(fd) != 0 && errno != EINTR) return ErrnoStatus(errno, "close", what);
  return Status::Ok();
}

Status ErrnoStatus(int err, std::string_view op, std::string_view path) {
  std::string message = std::string(op) + " " + std::string(path) + ": " + std::strerror(err);
  switch (err) {
    case ENOENT: return NotFound(std::move(message));
    case EACCES:
    case EPERM:
    case EROFS: return PermissionDenied(std::move(message));
    case ENOSPC:
    case EDQUOT:
    case EFBIG: return ResourceExhausted(std::move(message));
    default: return Unavailable(std::move(message));
  }
}

StatusOr<UniqueFd> OpenDirectory(int dir_fd, const std::string& path, const std::string& shown) {
  int fd = ::openat(dir_fd, path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ELOOP || errno == ENOTDIR) {
      return FailedPrecondition(shown + " is not a directory (a symbolic link is refused)");
    }
    return ErrnoStatus(errno, "open", shown);
  }
  return UniqueFd(fd);
}

Status WriteAll(int fd, std::span<const uint8_t> bytes, std::string_view shown) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "write", shown);
    }
    bytes = bytes.subspan(static_cast<size_t>(n));
  }
  return Status::Ok();
}

StatusOr<std::vector<uint8_t>> ReadFileAt(int dir_fd, const std::string& name,
                                          const std::string& shown) {
  // O_NONBLOCK: a FIFO in the data directory is refused below instead of blocking recovery.
  UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    if (errno == ELOOP) return DataLoss(shown + " is a symbolic link, not a record file");
    return ErrnoStatus(errno, "open", shown);
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus(errno, "stat", shown);
  if (!S_ISREG(st.st_mode)) return DataLoss(shown + " is not a regular file");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "read", shown);
    }
    if (n == 0) break;  // shrank underneath us: what we have is what the frame check sees
    done += static_cast<size_t>(n);
  }
  bytes.resize(done);
  return bytes;
}

Status Fsync(int fd, std::string_view shown) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) return ErrnoStatus(errno, "fsync", shown);
  }
  return Status::Ok();
}

Status UnlinkIfPresent(int dir_fd, const std::string& name, const std::string& shown) {
  if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "remove", shown);
  }
  return Status::Ok();
}

Status ForEachEntry(int dir_fd, const std::string& shown,
                    const std::function<Status(const std::string&, unsigned char)>& visit) {
  // A new open file description: a dup() would share the read position with concurrent
  // listings of the same directory. fdopendir takes ownership of it.
  int dup = ::openat(dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) return ErrnoStatus(errno, "open", shown);
  DIR* dir = ::fdopendir(dup);
  if (dir == nullptr) {
    int err = errno;
    ::close(dup);
    return ErrnoStatus(err, "opendir", shown);
  }
  Status result;
  for (;;) {
    errno = 0;
    struct dirent* e = ::readdir(dir);
    if (e == nullptr) {
      if (errno != 0) result = ErrnoStatus(errno, "readdir", shown);
      break;
    }
    if (std::strcmp(e->d_name, ".") == 0 || std::strcmp(e->d_name, "..") == 0) continue;
    result = visit(e->d_name, e->d_type);
    if (!result.ok()) break;
  }
  ::closedir(dir);
  return result;
}

}  // namespace vsecm::store_fs
