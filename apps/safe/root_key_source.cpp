#include "root_key_source.hpp"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "root_key_generation.hpp"
#include "root_key_kubernetes.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {
namespace {

constexpr size_t kMaxKeyFile = 4096;

StatusOr<kernel::SecretBytes> ReadKeyFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound(path + ": no root key file");
    return Unavailable(fmt::format("{}: cannot open the root key: {}", path, strerror(errno)));
  }
  struct stat st;
  if (::fstat(fd, &st) == 0 && (st.st_mode & 0077) != 0) {
    kernel::LogWarning("safe", "root key file {} has mode {:04o}; it should be 0600 or stricter",
                       path, st.st_mode & 07777);
  }
  kernel::SecretBuilder text(kMaxKeyFile);
  kernel::SecretBytes chunk(512);
  for (;;) {
    ssize_t n = ::read(fd, chunk.Mutable().data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      ::close(fd);
      return Unavailable(fmt::format("{}: cannot read the root key: {}", path, strerror(errno)));
    }
    if (n == 0) break;
    try {
      text.Append(chunk.Expose().first(static_cast<size_t>(n)));
    } catch (const std::bad_alloc&) {
      ::close(fd);
      return InvalidArgument(fmt::format("{}: larger than a root key can be", path));
    }
  }
  ::close(fd);
  return text.Take();
}

Status WriteNewKeyFile(const std::string& path, const kernel::SecretBytes& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable(fmt::format("{}: cannot create the root key file: {}", path, strerror(errno)));
  auto bytes = text.Expose();
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  bool ok = done == bytes.size() && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return Unavailable(fmt::format("{}: cannot write the root key", path));
  }
  std::string dir = path.substr(0, path.find_last_of('/'));
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::Ok();
}

bool IsBlank(const kernel::SecretBytes& text) {
  for (uint8_t b : text.Expose()) {
    if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
  }
  return true;
}

}  // namespace

StatusOr<std::optional<kernel::RootKey>> ObtainRootKey(const RootKeySourceOptions& options) {
  if (options.manual) {
    kernel::LogInfo("safe", "manual root key mode: waiting for Sentinel to send the root key");
    return std::optional<kernel::RootKey>();
  }
  auto text = ReadKeyFile(options.key_path);
  if (text.ok() && IsBlank(*text)) text = NotFound(options.key_path + ": the root key file is empty");
  if (text.status().code() == StatusCode::kNotFound && options.kubernetes) {
    text = ObtainRootKeyFromKubernetes(options);
  } else if (text.status().code() == StatusCode::kNotFound && options.generate_when_absent) {
    kernel::LogWarning("safe", "no root key at {}: generating one and keeping it there",
                       options.key_path);
    VSECM_ASSIGN_OR_RETURN(kernel::SecretBytes fresh, common::NewRootKeyText());
    VSECM_RETURN_IF_ERROR(WriteNewKeyFile(options.key_path, fresh));
    text = std::move(fresh);
  }
  if (!text.ok()) return text.status();
  auto key = kernel::RootKey::Parse(text->Expose());
  if (!key.ok()) return key.status().WithContext(options.key_path);
  return std::optional<kernel::RootKey>(std::move(key).value());
}

}  // namespace vsecm::safe
