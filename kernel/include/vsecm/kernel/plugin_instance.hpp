// A live plugin instance and the host services the kernel hands it.
//
// LIFETIME: an instance holds its PluginLibrary, so the code stays mapped until destroy() has
// returned. THREADING: calls into a plugin that does not declare VSECM_PLUGIN_FLAG_THREAD_SAFE
// are serialized by the instance; the kernel never holds its own locks across these calls.
#ifndef VSECM_KERNEL_PLUGIN_INSTANCE_HPP_
#define VSECM_KERNEL_PLUGIN_INSTANCE_HPP_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/kernel/plugin_library.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

// Validated, normalized configuration of one plugin: key → text (see vsecm_config_field).
using PluginSettings = std::map<std::string, std::string>;

class PluginInstance {
 public:
  // Calls the descriptor's create() with a host table serving `settings`.
  static StatusOr<std::unique_ptr<PluginInstance>> Create(std::shared_ptr<PluginLibrary> library,
                                                          PluginSettings settings);
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const PluginLibrary& library() const noexcept { return *library_; }
  std::string_view name() const noexcept { return library_->name(); }
  const void* functions() const noexcept { return library_->descriptor().functions; }

  // Runs one call into the plugin: fn(instance, error buffer). A failure comes back as a Status
  // whose message names the plugin and the operation, followed by the plugin's own message
  // (capped in length and stripped of control characters).
  Status Call(std::string_view operation,
              const std::function<vsecm_status(void* instance, vsecm_error* err)>& fn);

 private:
  struct HostContext;
  PluginInstance() = default;

  std::shared_ptr<PluginLibrary> library_;
  std::unique_ptr<HostContext> host_;
  void* instance_ = nullptr;
  bool serialize_ = true;
  std::mutex call_mutex_;
};

// Builds a Status from a plugin's reply: "<plugin>: <operation>: <message>".
Status PluginStatus(std::string_view plugin, std::string_view operation, vsecm_status code,
                    std::string_view message);

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_PLUGIN_INSTANCE_HPP_
