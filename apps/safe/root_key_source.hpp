// Where the Safe's root key comes from, as in VSecM: a key file (the vsecm-root-key Kubernetes
// Secret mounted at VSECM_ROOT_KEY_PATH, default /key/key.txt), or, in manual mode
// (VSECM_ROOT_KEY_INPUT_MODE_MANUAL=true), Sentinel posting it to /sentinel/v1/keys.
#ifndef VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_
#define VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_

#include <optional>
#include <string>

#include "vsecm/kernel/root_key.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::safe {

struct RootKeySourceOptions {
  std::string key_path = "/key/key.txt";
  bool manual = false;
  bool generate_when_absent = true;  // VSecM generates and keeps a key when none exists
};

// Reads the root key from the key file; when the file does not exist (and generation is
// allowed), generates a new key and writes it there (mode 0600, never overwriting). Returns
// nullopt in manual mode: the key then arrives through the API.
StatusOr<std::optional<kernel::RootKey>> ObtainRootKey(const RootKeySourceOptions& options);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_ROOT_KEY_SOURCE_HPP_
