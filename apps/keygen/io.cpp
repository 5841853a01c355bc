#include "io.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <new>

namespace vsecm::keygen {
namespace {

std::string Errno(std::string_view what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

// Closes fd when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { Close(); }
  int get() const { return fd_; }
  int Close() {
    int r = fd_ >= 0 ? ::close(fd_) : 0;
    fd_ = -1;
    return r;
  }

 private:
  int fd_;
};

}  // namespace

StatusOr<kernel::SecretBytes> ReadAll(int fd, size_t limit) {
  kernel::SecretBuilder builder(limit);
  uint8_t chunk[16384];
  Status result;
  while (true) {
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      result = Status(StatusCode::kUnavailable, Errno("read failed", errno));
      break;
    }
    if (n == 0) break;
    try {
      builder.Append({chunk, static_cast<size_t>(n)});
    } catch (const std::bad_alloc&) {
      result = ResourceExhausted("input is larger than " + std::to_string(limit) + " bytes");
      break;
    }
  }
  OPENSSL_cleanse(chunk, sizeof chunk);
  if (!result.ok()) return result;
  return builder.Take();
}

StatusOr<kernel::SecretBytes> ReadFile(const std::string& path, size_t limit) {
  if (path == "-") return ReadAll(STDIN_FILENO, limit);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    const int err = errno;
    return Status(err == ENOENT ? StatusCode::kNotFound : StatusCode::kPermissionDenied,
                  Errno("cannot open", err));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) == 0 && S_ISDIR(st.st_mode)) {
    return InvalidArgument("is a directory");
  }
  return ReadAll(fd.get(), limit);
}

Status WriteAll(int fd, std::span<const uint8_t> bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(StatusCode::kUnavailable, Errno("write failed", errno));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Status WriteNewPrivateFile(const std::string& path, std::span<const uint8_t> bytes) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (fd.get() < 0) {
    const int err = errno;
    if (err == EEXIST) {
      return Status(StatusCode::kAlreadyExists,
                    "already exists; refusing to overwrite it (remove it first or choose "
                    "another path)");
    }
    return Status(StatusCode::kPermissionDenied, Errno("cannot create", err));
  }
  auto fail = [&](Status status) {
    fd.Close();
    ::unlink(path.c_str());
    return status;
  };
  // The umask can only narrow 0600; fchmod makes the mode exact whatever the umask was.
  if (::fchmod(fd.get(), 0600) != 0) {
    return fail(Status(StatusCode::kPermissionDenied, Errno("cannot set mode 0600", errno)));
  }
  if (Status written = WriteAll(fd.get(), bytes); !written.ok()) return fail(written);
  if (::fsync(fd.get()) != 0) return fail(Internal(Errno("fsync failed", errno)));
  if (fd.Close() != 0) return fail(Internal(Errno("close failed", errno)));
  // Make the new directory entry durable too.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  return Status::Ok();
}

}  // namespace vsecm::keygen
