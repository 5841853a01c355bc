// Reading the configuration file. It decides which plugin code the Safe maps into its address
// space, so it is opened once, checked through the same descriptor it is read from, and its
// ownership and mode are judged (LoadKernelConfig decides whether the judgement is fatal).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "config_internal.hpp"

namespace vsecm::kernel::config_internal {
namespace {

// Far above any real configuration; stops a mistaken path (a log, a device) from being slurped.
constexpr off_t kMaxConfigBytes = 1 << 20;

class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() { ::close(fd_); }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

std::string InsecureReason(const struct stat& st) {
  const uid_t self = ::geteuid();
  if (st.st_uid != 0 && st.st_uid != self) {
    return fmt::format("it is owned by uid {}, not by root or by this process (uid {})", st.st_uid,
                       self);
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fmt::format("it is writable by its {} (mode {:04o})",
                       (st.st_mode & S_IWOTH) != 0 ? "group or others" : "group",
                       st.st_mode & 07777);
  }
  return "";
}

}  // namespace

StatusOr<ConfigFile> ReadConfigFile(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not hang the start-up; the S_ISREG check refuses it next.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    int err = errno;
    std::string message =
        fmt::format("configuration file {}: cannot open: {}", path, std::strerror(err));
    if (err == ENOENT || err == ENOTDIR) return NotFound(std::move(message));
    if (err == EACCES || err == EPERM) return PermissionDenied(std::move(message));
    return InvalidArgument(std::move(message));
  }
  FdCloser closer(fd);

  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return InvalidArgument(
        fmt::format("configuration file {}: cannot stat: {}", path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return InvalidArgument(fmt::format("configuration file {}: not a regular file", path));
  }
  if (st.st_size > kMaxConfigBytes) {
    return InvalidArgument(fmt::format("configuration file {}: {} bytes, more than the {} allowed",
                                       path, st.st_size, kMaxConfigBytes));
  }

  ConfigFile file;
  file.insecure_reason = InsecureReason(st);
  char buffer[8192];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return InvalidArgument(
          fmt::format("configuration file {}: cannot read: {}", path, std::strerror(errno)));
    }
    if (n == 0) break;
    file.text.append(buffer, static_cast<size_t>(n));
    // The file may have grown since fstat.
    if (file.text.size() > static_cast<size_t>(kMaxConfigBytes)) {
      return InvalidArgument(fmt::format("configuration file {}: more than the {} bytes allowed",
                                         path, kMaxConfigBytes));
    }
  }
  return file;
}

}  // namespace vsecm::kernel::config_internal
