#include "plugins_command.hpp"

#include <iostream>
#include <optional>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "plugin_directory.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/plugin_library.hpp"

namespace vsecm::safe {
namespace {

constexpr const char* kUsage = R"(usage: vsecm-safe plugins [--config FILE] [--plugin-dir DIR] [--json]

Lists every plugin (*.so) in the plugin directory with its kind, version, plugin ABI and
SHA-256 (the value to pin in configuration), and says why any file was refused.

  --config FILE     the Safe's configuration (default: $VSECM_CONFIG_FILE, else none)
  --plugin-dir DIR  the directory to list (default: plugins.directory from the configuration,
                    $VSECM_PLUGIN_DIR, else <executable>/../lib/vsecm/plugins)
  --json            print JSON instead of a table

Files are checked as the Safe checks them at start: in production mode (the default) a plugin
and its directory must be owned by root and not writable by group or others.
Exit status: 0 when every file loaded, 1 when any was refused, 2 on a usage or configuration error.
)";

}  // namespace

int RunPluginsCommand(int argc, char** argv) {
  std::string config_path, plugin_dir;
  bool json = false;
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if ((arg == "--config" || arg == "--plugin-dir") && i + 1 < argc) {
      (arg == "--config" ? config_path : plugin_dir) = argv[++i];
    } else if (arg == "--json") {
      json = true;
    } else {
      std::cerr << "vsecm-safe plugins: unknown argument \"" << arg << "\"\n" << kUsage;
      return 2;
    }
  }

  auto config = kernel::LoadKernelConfig(config_path, kernel::ProcessEnvironment());
  if (!config.ok()) {
    std::cerr << "vsecm-safe plugins: " << config.status().message() << "\n";
    return 2;
  }
  if (plugin_dir.empty()) plugin_dir = config->plugin_directory;
  if (plugin_dir.empty()) plugin_dir = DefaultPluginDirectory();

  kernel::PluginLoadOptions options;
  options.trust = config->mode == kernel::Mode::kDevelopment ? kernel::PluginTrust::kDevelopment
                                                             : kernel::PluginTrust::kProduction;
  for (const std::string& notice : config->notices) kernel::LogWarning("safe", "{}", notice);
  auto entries = kernel::ScanPluginDirectory(plugin_dir, options);
  if (!entries.ok()) {
    std::cerr << "vsecm-safe plugins: " << entries.status().message() << "\n";
    return 2;
  }

  bool refused = false;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& e : *entries) {
    nlohmann::json j = {{"file", e.path}, {"sha256", e.sha256}};
    if (e.library) {
      const vsecm_plugin_descriptor& d = e.library->descriptor();
      j["name"] = d.name;
      j["kind"] = kernel::PluginKindName(d.kind);
      j["version"] = d.version;
      j["abi"] = fmt::format("{}.{}", d.abi_major, d.abi_minor);
      j["thread_safe"] = (d.flags & VSECM_PLUGIN_FLAG_THREAD_SAFE) != 0;
      j["description"] = d.description ? d.description : "";
    } else {
      refused = true;
      j["refused"] = e.refusal.message();
    }
    out.push_back(std::move(j));
  }

  if (json) {
    std::cout << out.dump(2) << "\n";
    return refused ? 1 : 0;
  }
  std::cout << fmt::format("plugin directory: {} ({} mode)\n", plugin_dir,
                           options.trust == kernel::PluginTrust::kProduction ? "production"
                                                                              : "development");
  if (out.empty()) std::cout << "no plugins found\n";
  std::cout << fmt::format("{:<22} {:<10} {:<8} {:<4} {}\n", "NAME", "KIND", "VERSION", "ABI",
                           "SHA-256");
  for (const auto& j : out) {
    if (j.contains("refused")) continue;
    std::cout << fmt::format("{:<22} {:<10} {:<8} {:<4} {}\n", j["name"].get<std::string>(),
                             j["kind"].get<std::string>(), j["version"].get<std::string>(),
                             j["abi"].get<std::string>(), j["sha256"].get<std::string>());
  }
  for (const auto& j : out) {
    if (!j.contains("refused")) continue;
    std::cout << fmt::format("REFUSED {}\n  {}\n", j["file"].get<std::string>(),
                             j["refused"].get<std::string>());
  }
  return refused ? 1 : 0;
}

}  // namespace vsecm::safe
