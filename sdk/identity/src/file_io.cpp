#include "file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace vsecm::identity::internal {
namespace {

Status ErrnoStatus(const std::string& what, int error) {
  const std::string message = what + ": " + std::strerror(error);
  if (error == ENOENT) return NotFound(message);
  if (error == EACCES || error == EPERM) return PermissionDenied(message);
  return Unavailable(message);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads all of fd into `out` (already sized to the file) and checks the size held.
Status ReadInto(int fd, std::span<uint8_t> out, const std::string& path) {
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(path, errno);
    if (n == 0) return Unavailable(path + ": the file shrank while being read");
    done += static_cast<size_t>(n);
  }
  uint8_t extra;
  ssize_t n;
  do {
    n = ::read(fd, &extra, 1);
  } while (n < 0 && errno == EINTR);
  if (n != 0) return Unavailable(path + ": the file grew while being read");
  return Status::Ok();
}

StatusOr<size_t> OpenForRead(const std::string& path, int* fd_out) {
  // O_NONBLOCK: a FIFO must be refused below, not block the caller waiting for a writer.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return ErrnoStatus(path, errno);
  *fd_out = fd;
  struct stat st {};
  if (::fstat(fd, &st) != 0) return ErrnoStatus(path, errno);
  if (!S_ISREG(st.st_mode)) return InvalidArgument(path + ": not a regular file");
  if (static_cast<size_t>(st.st_size) > kMaxIdentityFileBytes) {
    return ResourceExhausted(path + ": larger than 1 MiB");
  }
  return static_cast<size_t>(st.st_size);
}

}  // namespace

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  int raw = -1;
  StatusOr<size_t> size = OpenForRead(path, &raw);
  Fd fd(raw);
  if (!size.ok()) return size.status();
  std::string out(*size, '\0');
  VSECM_RETURN_IF_ERROR(
      ReadInto(fd.get(), std::span(reinterpret_cast<uint8_t*>(out.data()), out.size()), path));
  return out;
}

StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path) {
  int raw = -1;
  StatusOr<size_t> size = OpenForRead(path, &raw);
  Fd fd(raw);
  if (!size.ok()) return size.status();
  kernel::SecretBytes out(*size);
  VSECM_RETURN_IF_ERROR(ReadInto(fd.get(), out.Mutable(), path));
  return out;
}

Status MakeDirectory(const std::string& dir, mode_t mode) {
  std::error_code ec;
  if (std::filesystem::is_directory(dir, ec)) return Status::Ok();
  const std::filesystem::path parent = std::filesystem::path(dir).parent_path();
  if (!parent.empty() && !std::filesystem::exists(parent, ec)) {
    VSECM_RETURN_IF_ERROR(MakeDirectory(parent.string(), 0755));
  }
  if (::mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) return ErrnoStatus(dir, errno);
  if (::chmod(dir.c_str(), mode) != 0) return ErrnoStatus(dir, errno);  // umask aside
  return Status::Ok();
}

Status ReplaceFile(const std::string& path, std::span<const uint8_t> bytes, mode_t mode) {
  const std::filesystem::path target(path);
  const std::string dir = target.parent_path().empty() ? "." : target.parent_path().string();
  std::string temp = dir + "/." + target.filename().string() + ".tmp-XXXXXX";
  const int raw = ::mkostemp(temp.data(), O_CLOEXEC);  // created 0600
  if (raw < 0) return ErrnoStatus(dir, errno);
  Status status;
  {
    Fd fd(raw);
    size_t done = 0;
    while (done < bytes.size() && status.ok()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = ErrnoStatus(temp, errno);
      } else {
        done += static_cast<size_t>(n);
      }
    }
    if (status.ok() && ::fchmod(fd.get(), mode) != 0) status = ErrnoStatus(temp, errno);
    if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoStatus(temp, errno);
  }
  if (status.ok() && ::rename(temp.c_str(), path.c_str()) != 0) status = ErrnoStatus(path, errno);
  if (!status.ok()) {
    ::unlink(temp.c_str());
    return status;
  }
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

}  // namespace vsecm::identity::internal
