// The file the sidecar hands the workload its secret in. It is replaced atomically (a reader
// sees the old or the new content, never a mix, and a crash leaves one of them), and only when
// the content changed, so a workload watching its mtime or inode wakes up only for a real change.
#ifndef VSECM_APPS_SIDECAR_SECRET_FILE_HPP_
#define VSECM_APPS_SIDECAR_SECRET_FILE_HPP_

#include <cstdint>
#include <span>
#include <string>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sidecar {

// Writes `bytes` to `path` through a temporary file in the same directory: mode 0600, write,
// fsync, rename over `path`, fsync the directory. On failure `path` is untouched and the
// temporary file removed.
Status WriteFileAtomically(const std::string& path, std::span<const uint8_t> bytes);

class SecretFile {
 public:
  explicit SecretFile(std::string path) : path_(std::move(path)) {}

  // Takes an existing file as what was last written, so a restarted sidecar does not rewrite an
  // unchanged secret. A missing or unreadable file is simply not known.
  void AdoptExisting();
  // Writes `data` unless it equals (in constant time) what was last written. Returns whether
  // it wrote.
  StatusOr<bool> Update(const kernel::SecretBytes& data);

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  kernel::SecretBytes last_;
  bool known_ = false;
};

}  // namespace vsecm::sidecar

#endif  // VSECM_APPS_SIDECAR_SECRET_FILE_HPP_
