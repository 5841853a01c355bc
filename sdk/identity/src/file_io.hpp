// Small POSIX file helpers for the identity sources: bounded whole-file reads (keys straight
// into secure memory) and atomic replacement by temporary file, fsync and rename.
#ifndef VSECM_IDENTITY_SRC_FILE_IO_HPP_
#define VSECM_IDENTITY_SRC_FILE_IO_HPP_

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity::internal {

inline constexpr size_t kMaxIdentityFileBytes = size_t{1} << 20;

StatusOr<std::string> ReadSmallFile(const std::string& path);
StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path);

// Creates `dir` with `mode` when missing (parents too); an existing directory is kept as is.
Status MakeDirectory(const std::string& dir, mode_t mode);

// Replaces `path` atomically with `bytes` at `mode`: temporary file in the same directory,
// fsync, rename, fsync of the directory.
Status ReplaceFile(const std::string& path, std::span<const uint8_t> bytes, mode_t mode);

}  // namespace vsecm::identity::internal

#endif  // VSECM_IDENTITY_SRC_FILE_IO_HPP_
