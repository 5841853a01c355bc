// Loads vsecm-store-k8s.so the way the Safe does (kernel plugin loader, configuration checked
// against the plugin's declaration, kernel host services) and drives it through the store ABI
// against a FakeKubeApi.
#ifndef VSECM_TESTS_PLUGINS_STORE_K8S_STORE_K8S_FIXTURE_HPP_
#define VSECM_TESTS_PLUGINS_STORE_K8S_STORE_K8S_FIXTURE_HPP_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fake_kube_api.hpp"
#include "k8s_test_util.hpp"
#include "vsecm/abi/vsecm_store.h"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/plugin_instance.hpp"
#include "vsecm/kernel/plugin_library.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::testing {

inline vsecm_bytes B(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class StoreK8s {
 public:
  static constexpr const char* kNs = "vsecm-system";

  explicit StoreK8s(FakeKubeApi& fake) : fake_(fake) {
    WriteFile(dir_ / "token", "fake-token\n");
    WriteFile(dir_ / "kubeconfig", fake.Kubeconfig("", dir_ / "token"));
    settings_["kubeconfig"] = dir_ / "kubeconfig";
    settings_["namespace"] = kNs;
    settings_["retry_initial_backoff_ms"] = "1";
    settings_["retry_max_backoff_ms"] = "5";
  }

  std::map<std::string, std::string>& settings() { return settings_; }
  const TempDir& dir() const { return dir_; }

  // Loaded once and kept, as the Safe never unloads a plugin (its process-lifetime state, such
  // as the secure heap of its own copy of the kernel's allocator, lives until exit).
  static StatusOr<std::shared_ptr<kernel::PluginLibrary>> Library() {
    static const auto* library = new StatusOr<std::shared_ptr<kernel::PluginLibrary>>([] {
      kernel::PluginLoadOptions load;
      load.trust = kernel::PluginTrust::kDevelopment;
      load.expected_kind = VSECM_KIND_STORE;
      load.expected_name = "vsecm-store-k8s";
      return kernel::LoadPluginLibrary(ProductPlugin("vsecm-store-k8s"), load);
    }());
    return *library;
  }

  Status Start() {
    instance_.reset();
    VSECM_ASSIGN_OR_RETURN(auto library, Library());
    kernel::PluginSelection selection;
    selection.name = "vsecm-store-k8s";
    for (const auto& [k, v] : settings_) {
      const bool integer = !v.empty() && v.find_first_not_of("0123456789-") == std::string::npos;
      selection.settings[k] = kernel::ConfigValue{
          v, integer ? kernel::ConfigValue::Kind::kInteger : kernel::ConfigValue::Kind::kString,
          "test"};
    }
    const auto& d = library->descriptor();
    VSECM_ASSIGN_OR_RETURN(
        auto resolved,
        kernel::ResolvePluginSettings("plugins.store", selection,
                                      {d.config_fields, d.config_field_count}, MapEnv({})));
    store_ = static_cast<const vsecm_store_v1*>(d.functions);
    VSECM_ASSIGN_OR_RETURN(instance_, kernel::PluginInstance::Create(library, resolved));
    return Status::Ok();
  }

  Status Put(std::string_view name, std::string_view value) {
    return instance_->Call("put", [&](void* i, vsecm_error* e) {
      return store_->put(i, B(name), B(value), e);
    });
  }
  StatusOr<std::string> Get(std::string_view name) {
    kernel::SecretBuilder out;
    Status s = instance_->Call("get", [&](void* i, vsecm_error* e) {
      return store_->get(i, B(name), out.sink(), e);
    });
    if (!s.ok()) return s;
    return std::string(out.Take().ExposeText());
  }
  Status Remove(std::string_view name) {
    return instance_->Call("remove", [&](void* i, vsecm_error* e) {
      return store_->remove(i, B(name), e);
    });
  }
  StatusOr<std::vector<std::string>> List() {
    std::vector<std::string> names;
    vsecm_name_visitor v{sizeof(vsecm_name_visitor), &names,
                         [](void* ctx, vsecm_bytes name) -> vsecm_status {
                           static_cast<std::vector<std::string>*>(ctx)->emplace_back(
                               reinterpret_cast<const char*>(name.data), name.len);
                           return VSECM_OK;
                         }};
    Status s = instance_->Call("list", [&](void* i, vsecm_error* e) {
      return store_->list(i, v, e);
    });
    if (!s.ok()) return s;
    std::sort(names.begin(), names.end());
    return names;
  }

  // The Secret object that holds `name`, as the API server has it.
  std::optional<nlohmann::json> Object(const std::string& object_name) const {
    return fake_.Get(kNs, object_name);
  }

 private:
  FakeKubeApi& fake_;
  TempDir dir_;
  std::map<std::string, std::string> settings_;
  const vsecm_store_v1* store_ = nullptr;
  std::unique_ptr<kernel::PluginInstance> instance_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_PLUGINS_STORE_K8S_STORE_K8S_FIXTURE_HPP_
