// Keys the kernel derives from the root key for components that need their own (a store that
// encrypts its own files). Each use has its own label, so no two components share a key.
#ifndef VSECM_KERNEL_KEY_DERIVATION_HPP_
#define VSECM_KERNEL_KEY_DERIVATION_HPP_

#include <span>
#include <string_view>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

// HKDF-SHA256 (RFC 5869) with no salt: `length` bytes of output keying material for `info`.
StatusOr<SecretBytes> DeriveKey(std::span<const uint8_t> input_key, std::string_view info,
                                size_t length);

// The label of a store plugin's key: "vsecm-store-key-v1:<plugin name>".
inline constexpr std::string_view kStoreKeyLabel = "vsecm-store-key-v1:";

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_KEY_DERIVATION_HPP_
