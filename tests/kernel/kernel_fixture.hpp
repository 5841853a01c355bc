// Starts a real SafeKernel from configuration, with plugins copied into a private plugin
// directory: a real crypto plugin, the recording store, and optionally a transform.
#ifndef VSECM_TESTS_KERNEL_KERNEL_FIXTURE_HPP_
#define VSECM_TESTS_KERNEL_KERNEL_FIXTURE_HPP_

#include <cstring>
#include <memory>
#include <string>

#include "test_support.hpp"
#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::testing {

// A root key for tests only (made with age-keygen and openssl rand).
inline constexpr const char* kTestRootKey =
    "AGE-SECRET-KEY-164NATVVEQM2EL8772AGVL6W075ACSN8S5XSEFPYGUJDZK4V3TNUSZ2TKHE\n"
    "age1ulh5qe2j836vwqdf8g9zegzmzt02k5w4q8p2wwme3mxs63j9t5nswvyamu\n"
    "532d6969973d5808673ad2b2a8bd0c54cf38e3adc7094bfefe64ff1a3ea281cd\n";

inline kernel::ConfigValue Setting(std::string text,
                                   kernel::ConfigValue::Kind kind = kernel::ConfigValue::Kind::kString) {
  return kernel::ConfigValue{std::move(text), kind, "test"};
}

class KernelFixture {
 public:
  // `crypto`: vsecm-crypto-age or vsecm-crypto-aes. `transform`: a fixture plugin name or "".
  KernelFixture(const std::string& crypto, const std::string& transform = "",
                int put_delay_ms = 0)
      : crypto_(crypto), transform_(transform), put_delay_ms_(put_delay_ms) {
    CopyFile(ProductPlugin(crypto), plugins_ / (crypto + ".so"));
    CopyFile(FixturePlugin("recording-store"), plugins_ / "recording-store.so");
    if (!transform.empty()) CopyFile(FixturePlugin(transform), plugins_ / (transform + ".so"));
  }

  // Starts (or restarts, as after a crash) a kernel on the same store directory.
  Status Start() {
    kernel_.reset();
    kernel::KernelConfig config;
    config.plugin_directory = plugins_.path();
    config.crypto.name = crypto_;
    config.store.name = "recording-store";
    config.store.settings["directory"] = Setting(store_.path());
    config.store.settings["put_delay_ms"] = Setting(std::to_string(put_delay_ms_),
                                                    kernel::ConfigValue::Kind::kInteger);
    config.store.settings["put_hold_file"] = Setting(hold_file());
    if (!transform_.empty()) config.transform = kernel::PluginSelection{transform_, {}, {}};
    kernel::SafeKernel::Options options;
    options.env = [](const char*) { return std::optional<std::string>(); };
    auto audit = std::make_unique<kernel::MemoryAuditSink>();
    audit_ = audit.get();
    options.audit = std::move(audit);
    auto k = kernel::SafeKernel::Create(config, std::move(options));
    if (!k.ok()) return k.status();
    auto root_key = kernel::RootKey::Parse(
        {reinterpret_cast<const uint8_t*>(kTestRootKey), std::strlen(kTestRootKey)});
    if (!root_key.ok()) return root_key.status();
    VSECM_RETURN_IF_ERROR((*k)->InstallRootKey(*root_key));
    kernel_ = std::move(k).value();
    return Status::Ok();
  }

  kernel::SafeKernel& kernel() { return *kernel_; }
  kernel::SecretRegistry& registry() { return kernel_->registry(); }
  kernel::MemoryAuditSink& audit() { return *audit_; }
  const TempDir& store_dir() const { return store_; }
  std::string RecordingLog() const { return ReadAll(store_ / "recording.log"); }
  // While this file exists, the store's put waits (a stalled disk the test releases).
  std::string hold_file() const { return plugins_ / "hold-puts"; }

 private:
  std::string crypto_, transform_;
  int put_delay_ms_;
  TempDir plugins_, store_;
  kernel::MemoryAuditSink* audit_ = nullptr;
  std::unique_ptr<kernel::SafeKernel> kernel_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_KERNEL_KERNEL_FIXTURE_HPP_
