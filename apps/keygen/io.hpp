// File and stream I/O for vsecm-keygen that keeps secret bytes in locked memory: whole inputs
// are read into SecretBytes, outputs are written with write(2) straight from them.
#ifndef VSECM_APPS_KEYGEN_IO_HPP_
#define VSECM_APPS_KEYGEN_IO_HPP_

#include <cstddef>
#include <span>
#include <string>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::keygen {

// The most bytes one input may have (a backup file, stdin, a root key file).
inline constexpr size_t kMaxInputBytes = size_t{64} << 20;

// Reads fd to its end into secure memory. RESOURCE_EXHAUSTED past `limit` bytes.
StatusOr<kernel::SecretBytes> ReadAll(int fd, size_t limit = kMaxInputBytes);

// Reads a whole file ("-" is stdin) into secure memory. Messages do not repeat the path.
StatusOr<kernel::SecretBytes> ReadFile(const std::string& path, size_t limit = kMaxInputBytes);

// Writes every byte to fd, retrying short writes and EINTR.
Status WriteAll(int fd, std::span<const uint8_t> bytes);

// Creates `path` exclusively (O_CREAT|O_EXCL, mode 0600, no symlink followed), writes `bytes`,
// fsyncs the file and its directory. ALREADY_EXISTS when the path exists; on any later failure
// the partial file is removed.
Status WriteNewPrivateFile(const std::string& path, std::span<const uint8_t> bytes);

}  // namespace vsecm::keygen

#endif  // VSECM_APPS_KEYGEN_IO_HPP_
