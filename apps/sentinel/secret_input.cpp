#include "secret_input.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <vector>

#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::sentinel {

StatusOr<kernel::SecretBytes> ReadSecretFd(int fd, std::string_view what) {
  kernel::SecretBuilder builder(kMaxSecretInput);
  // The chunk buffer sees the bytes too: it is secure memory as well.
  kernel::SecretBytes chunk(4096);
  for (;;) {
    ssize_t n = ::read(fd, chunk.Mutable().data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable("cannot read " + std::string(what) + ": " + std::strerror(errno));
    if (n == 0) break;
    try {
      builder.Append(chunk.Expose().first(static_cast<size_t>(n)));
    } catch (const std::bad_alloc&) {
      return ResourceExhausted(std::string(what) + " is larger than " +
                               std::to_string(kMaxSecretInput) + " bytes");
    }
  }
  return builder.Take();
}

StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no file " + path);
    return Unavailable("cannot open " + path + ": " + std::strerror(errno));
  }
  StatusOr<kernel::SecretBytes> data = ReadSecretFd(fd, path);
  ::close(fd);
  return data;
}

kernel::SecretBytes DropFinalNewline(const kernel::SecretBytes& value) {
  std::string_view text = value.ExposeText();
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return kernel::SecretBytes::CopyOf(text);
}

StatusOr<client::RootKeyParts> ParseRootKeyText(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    while (!line.empty() && std::strchr(" \t\r", line.front())) line.remove_prefix(1);
    while (!line.empty() && std::strchr(" \t\r", line.back())) line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
  }
  if (lines.size() != 3) {
    return InvalidArgument("the root key must be three lines (age secret key, age public key, "
                           "AES key in hex), found " + std::to_string(lines.size()));
  }
  if (lines[0].substr(0, 15) != "AGE-SECRET-KEY-") {
    return InvalidArgument("line 1 of the root key is not an age secret key (AGE-SECRET-KEY-1...)");
  }
  if (lines[1].substr(0, 4) != "age1") {
    return InvalidArgument("line 2 of the root key is not an age public key (age1...)");
  }
  client::RootKeyParts parts;
  parts.age_secret_key = kernel::SecretBytes::CopyOf(lines[0]);
  parts.age_public_key = kernel::SecretBytes::CopyOf(lines[1]);
  parts.aes_cipher_key = kernel::SecretBytes::CopyOf(lines[2]);
  return parts;
}

}  // namespace vsecm::sentinel
