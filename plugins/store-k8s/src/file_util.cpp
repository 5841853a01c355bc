#include "file_util.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace vsecm::k8s::internal {
namespace {

bool IsBlank(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

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

// Reads the whole file into `dest` (size `n`); false on a short read.
bool ReadExactly(int fd, uint8_t* dest, size_t n) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::read(fd, dest + done, n - done);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    done += static_cast<size_t>(r);
  }
  return true;
}

Status OpenError(std::string_view what, const std::string& path, int err) {
  const std::string m = fmt::format("{} {}: {}", what, path, std::strerror(err));
  return err == ENOENT ? NotFound(m) : FailedPrecondition(m);
}

// Files are opened with O_NONBLOCK so that a FIFO (or a device) cannot block start-up waiting
// for a writer; this then refuses anything that is not a plain file.
Status RequireRegularFile(int fd, std::string_view what, const std::string& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return FailedPrecondition(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return FailedPrecondition(fmt::format("{} {}: not a regular file", what, path));
  }
  return Status::Ok();
}

}  // namespace

std::string Trim(std::string text) {
  size_t b = 0, e = text.size();
  while (b < e && IsBlank(static_cast<uint8_t>(text[b]))) ++b;
  while (e > b && IsBlank(static_cast<uint8_t>(text[e - 1]))) --e;
  return text.substr(b, e - b);
}

StatusOr<std::string> ReadTextFile(const std::string& path, std::string_view what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return OpenError(what, path, errno);
  VSECM_RETURN_IF_ERROR(RequireRegularFile(fd.get(), what, path));
  std::string out;
  char buf[8192];
  for (;;) {
    ssize_t r = ::read(fd.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return FailedPrecondition(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
    if (r == 0) break;
    out.append(buf, static_cast<size_t>(r));
    if (out.size() > kMaxConfigFileBytes) {
      return InvalidArgument(fmt::format("{} {}: larger than {} bytes", what, path,
                                         kMaxConfigFileBytes));
    }
  }
  return out;
}

StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path, std::string_view what) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (fd.get() < 0) return OpenError(what, path, errno);
  VSECM_RETURN_IF_ERROR(RequireRegularFile(fd.get(), what, path));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) {
    return FailedPrecondition(fmt::format("{} {}: {}", what, path, std::strerror(errno)));
  }
  const auto size = static_cast<size_t>(st.st_size);
  if (size > kMaxConfigFileBytes) {
    return InvalidArgument(fmt::format("{} {}: larger than {} bytes", what, path,
                                       kMaxConfigFileBytes));
  }
  kernel::SecretBytes raw(size);
  if (!ReadExactly(fd.get(), raw.Mutable().data(), size)) {
    return FailedPrecondition(fmt::format("{} {}: short read (the file changed while read)",
                                          what, path));
  }
  auto bytes = raw.Expose();
  size_t e = bytes.size();
  while (e > 0 && IsBlank(bytes[e - 1])) --e;
  if (e == bytes.size()) return raw;
  return kernel::SecretBytes::CopyOf(bytes.first(e));
}

}  // namespace vsecm::k8s::internal
