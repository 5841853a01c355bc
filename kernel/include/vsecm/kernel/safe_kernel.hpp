// The kernel assembled from configuration: the three plugins verified, loaded and created with
// their validated settings, the audit journal opened, and the secret registry wired to them.
// This is what vsecm-safe starts, and what tests start to exercise the real plugins.
#ifndef VSECM_KERNEL_SAFE_KERNEL_HPP_
#define VSECM_KERNEL_SAFE_KERNEL_HPP_

#include <memory>
#include <string>

#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/providers.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/secret_registry.hpp"

namespace vsecm::kernel {

class SafeKernel {
 public:
  struct Options {
    std::string default_plugin_directory;  // when the configuration names none
    EnvLookup env = ProcessEnvironment();
    std::unique_ptr<AuditSink> audit;  // when null, opened from the configuration's audit.path
  };

  // Every failure names the configuration key it came from ("plugins.store.name", where it was
  // set) and the file involved.
  static StatusOr<std::unique_ptr<SafeKernel>> Create(const KernelConfig& config, Options options);
  ~SafeKernel();

  // Hands each crypto plugin only its own part of the root key.
  Status InstallRootKey(const RootKey& root_key);

  SecretRegistry& registry() noexcept { return *registry_; }
  CryptoProvider& crypto() noexcept { return *crypto_; }
  StoreProvider& store() noexcept { return *store_; }
  TransformProvider* transform() noexcept { return transform_.get(); }
  AuditSink& audit() noexcept { return *audit_; }

 private:
  SafeKernel() = default;

  // Destroyed in reverse order: the registry before the plugins it calls, the audit sink last.
  std::unique_ptr<AuditSink> audit_;
  std::unique_ptr<CryptoProvider> crypto_;
  std::unique_ptr<StoreProvider> store_;
  std::unique_ptr<TransformProvider> transform_;
  std::unique_ptr<SecretRegistry> registry_;
};

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_SAFE_KERNEL_HPP_
