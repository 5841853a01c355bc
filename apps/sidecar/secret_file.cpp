#include "secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace vsecm::sidecar {
namespace {

constexpr off_t kMaxAdoptedSize = off_t{64} << 20;

std::string ErrnoText(int err) { return std::strerror(err); }

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status WriteAll(int fd, std::span<const uint8_t> bytes, const std::string& name) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status(StatusCode::kUnavailable,
                    fmt::format("cannot write {}: {}", name, ErrnoText(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes) {
  const std::string dir = DirectoryOf(path);
  std::string temp = dir + "/." + BaseOf(path) + ".tmp-XXXXXX";
  std::vector<char> name(temp.begin(), temp.end());
  name.push_back('\0');
  // mkstemp creates the file with mode 0600, readable by nobody else from the first byte on.
  int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot create a temporary file in {}: {}", dir, ErrnoText(errno)));
  }
  temp.assign(name.data());
  auto fail = [&](Status status) {
    ::close(fd);
    ::unlink(temp.c_str());
    return status;
  };
  if (::fchmod(fd, 0600) != 0) {
    return fail(Status(StatusCode::kUnavailable,
                       fmt::format("cannot set the mode of {}: {}", temp, ErrnoText(errno))));
  }
  if (Status s = WriteAll(fd, bytes, temp); !s.ok()) return fail(s);
  if (::fsync(fd) != 0) {
    return fail(Status(StatusCode::kUnavailable,
                       fmt::format("cannot fsync {}: {}", temp, ErrnoText(errno))));
  }
  if (::close(fd) != 0) {
    ::unlink(temp.c_str());
    return Status(StatusCode::kUnavailable, fmt::format("cannot close {}: {}", temp, ErrnoText(errno)));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot rename {} to {}: {}", temp, path, ErrnoText(err)));
  }
  // The rename is durable only once the directory entry is.
  int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot open directory {}: {}", dir, ErrnoText(errno)));
  }
  const int rc = ::fsync(dir_fd);
  const int err = errno;
  ::close(dir_fd);
  if (rc != 0) {
    return Status(StatusCode::kUnavailable,
                  fmt::format("cannot fsync directory {}: {}", dir, ErrnoText(err)));
  }
  return Status::Ok();
}

void SecretFile::AdoptExisting() {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxAdoptedSize) {
    ::close(fd);
    return;
  }
  kernel::SecretBytes content(static_cast<size_t>(st.st_size));
  size_t done = 0;
  auto out = content.Mutable();
  while (done < out.size()) {
    ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  char extra;
  const bool whole = done == out.size() && ::read(fd, &extra, 1) == 0;
  ::close(fd);
  if (!whole) return;  // changed while we read it: let the next fetch rewrite it
  last_ = std::move(content);
  known_ = true;
}

StatusOr<bool> SecretFile::Update(const kernel::SecretBytes& data) {
  if (known_ && last_.size() == data.size() && last_.Equals(data.Expose())) return false;
  VSECM_RETURN_IF_ERROR(WriteFileAtomically(path_, data.Expose()));
  last_ = data.Clone();
  known_ = true;
  return true;
}

}  // namespace vsecm::sidecar
