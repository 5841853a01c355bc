// Small file readers for configuration: public text, and secrets read straight into secure
// memory. Errors name the file, never its contents.
#ifndef VSECM_K8S_SRC_FILE_UTIL_HPP_
#define VSECM_K8S_SRC_FILE_UTIL_HPP_

#include <string>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s::internal {

inline constexpr size_t kMaxConfigFileBytes = size_t{4} << 20;

StatusOr<std::string> ReadTextFile(const std::string& path, std::string_view what);

// The file's bytes with trailing blanks and newlines removed, in secure memory.
StatusOr<kernel::SecretBytes> ReadSecretFile(const std::string& path, std::string_view what);

// Removes leading and trailing blanks (space, tab, CR, LF).
std::string Trim(std::string text);

}  // namespace vsecm::k8s::internal

#endif  // VSECM_K8S_SRC_FILE_UTIL_HPP_
