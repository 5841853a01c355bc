// Reading secret input — a value from stdin, the init file, a root key — straight into secure
// memory, so no copy is left in ordinary heap memory.
#ifndef VSECM_APPS_SENTINEL_SECRET_INPUT_HPP_
#define VSECM_APPS_SENTINEL_SECRET_INPUT_HPP_

#include <string>
#include <string_view>

#include "vsecm/client/types.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

inline constexpr size_t kMaxSecretInput = size_t{16} << 20;

// Everything readable from `fd` (at most kMaxSecretInput bytes). `what` names the source in
// errors ("stdin", a path).
StatusOr<kernel::SecretBytes> ReadSecretFd(int fd, std::string_view what);
// NOT_FOUND when the file does not exist.
StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path);

// The value without one final "\n" or "\r\n" (what `echo` and here-strings add).
kernel::SecretBytes DropFinalNewline(const kernel::SecretBytes& value);

// VSecM's root key text: the age secret key, the age public key and the AES key in hex, one
// per line (blank lines and surrounding blanks ignored). Checks only the shape; the Safe
// checks the keys.
StatusOr<client::RootKeyParts> ParseRootKeyText(std::string_view text);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_SECRET_INPUT_HPP_
