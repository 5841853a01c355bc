// The kernel's view of its three plugins. Each provider owns a PluginInstance and turns the C
// function table into calls that take spans and return Status. Plain text comes back only in
// SecretBytes; cipher text, which is not secret, in ordinary vectors.
#ifndef VSECM_KERNEL_PROVIDERS_HPP_
#define VSECM_KERNEL_PROVIDERS_HPP_

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/abi/vsecm_crypto.h"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/abi/vsecm_transform.h"
#include "vsecm/kernel/plugin_instance.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::kernel {

using Bytes = std::vector<uint8_t>;

// Largest cipher text, stored record or rendered value the kernel accepts from a plugin.
constexpr size_t kMaxPluginOutput = size_t{64} << 20;

class CryptoProvider {
 public:
  explicit CryptoProvider(std::unique_ptr<PluginInstance> instance);
  std::string_view algorithm() const noexcept { return table_->algorithm; }
  std::string_view name() const noexcept { return instance_->name(); }

  Status SetKeys(const SecretBytes& key_material);
  StatusOr<Bytes> Encrypt(std::span<const uint8_t> plaintext);
  StatusOr<SecretBytes> Decrypt(std::span<const uint8_t> ciphertext);

 private:
  std::unique_ptr<PluginInstance> instance_;
  const vsecm_crypto_v1* table_;
};

class StoreProvider {
 public:
  explicit StoreProvider(std::unique_ptr<PluginInstance> instance);
  std::string_view name() const noexcept { return instance_->name(); }

  Status Put(std::string_view record_name, std::span<const uint8_t> ciphertext);
  StatusOr<Bytes> Get(std::string_view record_name);  // kNotFound when absent
  Status Remove(std::string_view record_name);
  StatusOr<std::vector<std::string>> List();
  // Hands the store its own derived key, when the store takes one (see vsecm_store.h).
  Status SetKey(const SecretBytes& key);
  bool TakesKey() const noexcept;

 private:
  std::unique_ptr<PluginInstance> instance_;
  const vsecm_store_v1* table_;
};

class TransformProvider {
 public:
  explicit TransformProvider(std::unique_ptr<PluginInstance> instance);
  std::string_view name() const noexcept { return instance_->name(); }

  StatusOr<SecretBytes> Apply(std::span<const uint8_t> value, std::string_view template_text,
                              std::string_view format);

 private:
  std::unique_ptr<PluginInstance> instance_;
  const vsecm_transform_v1* table_;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PROVIDERS_HPP_
