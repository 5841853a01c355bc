// The keys vsecm-keygen works with: the root key file and what each algorithm needs from it,
// all in locked memory.
#ifndef VSECM_APPS_KEYGEN_KEYS_HPP_
#define VSECM_APPS_KEYGEN_KEYS_HPP_

#include <span>
#include <string>
#include <string_view>

#include "vsecm/aes/envelope.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::keygen {

// VSECM_KEYGEN_ROOT_KEY_PATH, or /opt/vsecm/keys.txt (VSecM's default).
std::string DefaultRootKeyPath();

// Reads and parses a root key file. Messages name the line, never its content.
StatusOr<kernel::RootKey> LoadRootKey(const std::string& path);

// The 32-byte X25519 secret of the root key's age identity (line 1), after checking its bech32
// checksum and that line 2 is its recipient.
StatusOr<kernel::SecretBytes> AgeSecretOf(const kernel::RootKey& root_key);

// The 32-byte AES-256 key of the root key (line 3).
kernel::SecretBytes AesKeyOf(const kernel::RootKey& root_key);

// Lower-case hex of `bytes`, in locked memory.
kernel::SecretBytes HexEncode(std::span<const uint8_t> bytes);

// Scratch memory for vsecm::aes::Open from the kernel's secure allocator.
class KernelScratch final : public aes::SecureScratch {
 public:
  std::span<uint8_t> Acquire(size_t n) override {
    block_ = kernel::SecretBytes(n);
    return block_.Mutable();
  }

 private:
  kernel::SecretBytes block_;
};

}  // namespace vsecm::keygen

#endif  // VSECM_APPS_KEYGEN_KEYS_HPP_
