// The kernel's configuration: one YAML file plus VSECM_* environment overrides.
//
// The file chooses the crypto, store and transform plugins and carries each plugin's own
// `config:` section, which the kernel checks against the fields the plugin declares in its
// descriptor (ResolvePluginSettings) before the plugin is created. Precedence, lowest first:
// built-in default, the file, the environment. Every refusal names the key path
// ("plugins.store.sha256") or the variable, and the file and line when the value came from
// the file. docs/CONFIGURATION.md is the operator's reference; KernelConfigKeys() is the table
// it is written from.
#ifndef VSECM_KERNEL_CONFIG_HPP_
#define VSECM_KERNEL_CONFIG_HPP_

#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/abi/vsecm_plugin.h"
#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

enum class Mode {
  kProduction,   // the default; development must be asked for explicitly
  kDevelopment,  // relaxes supply-chain checks (plugin ownership, config file permissions)
};

std::string_view ModeName(Mode mode);  // "production" / "development"

// One value as the operator wrote it, before any plugin-specific interpretation.
struct ConfigValue {
  // The YAML 1.2 core-schema type of a plain scalar; quoted scalars are always strings, and an
  // environment variable is always a string. kSequence and kMap carry no text.
  enum class Kind { kString, kInteger, kFloat, kBoolean, kNull, kSequence, kMap };

  std::string text;  // the scalar exactly as written (unquoted)
  Kind kind = Kind::kString;
  std::string origin;  // "/etc/vsecm/safe.yaml:14" or "environment VSECM_X"
};

// "a string", "an integer", "a number", "a boolean", "null", "a list", "a map".
std::string_view ConfigValueKindName(ConfigValue::Kind kind);

// One of plugins.crypto / plugins.store / plugins.transform.
struct PluginSelection {
  std::string name;                   // matches ^[a-z0-9][a-z0-9._-]*$; the file is <name>.so
  std::optional<std::string> sha256;  // 64 lower-case hex digits: the file must hash to this
  std::map<std::string, ConfigValue> settings;  // the plugin's `config:` section, unvalidated
};

struct KernelConfig {
  Mode mode = Mode::kProduction;
  std::string plugin_directory;  // absolute; empty = the app's default (beside the binary)
  PluginSelection crypto;
  PluginSelection store;
  std::optional<PluginSelection> transform;  // nullopt when the operator chose "none"
  std::string audit_path;                    // empty = stderr; else an absolute file path
  std::string source;                        // the file it was read from, or "defaults"
  // Where each key that is not at its default got its value: key path → "file:line" or
  // "environment VSECM_X". Lets later errors (a missing plugin file) name their origin.
  std::map<std::string, std::string> origins;
  // Facts an operator should see in the start-up log (development mode, FIPS switch, ...).
  std::vector<std::string> notices;
};

// "/etc/vsecm/safe.yaml:14", "environment VSECM_SAFE_STORE_PLUGIN" or "default".
std::string OriginOf(const KernelConfig& config, std::string_view key);

// Looks up one environment variable; nullopt when unset. Tests pass a map; apps pass
// ProcessEnvironment(). An empty value counts as unset, as in VSecM (Kubernetes manifests
// often carry `value: ""`).
using EnvLookup = std::function<std::optional<std::string>(const char* name)>;
EnvLookup ProcessEnvironment();

// The environment variable naming the configuration file when no path is given.
inline constexpr const char* kConfigFileEnv = "VSECM_CONFIG_FILE";

// Reads the file at `path` (when empty: the file named by VSECM_CONFIG_FILE; when that is unset
// too: no file, built-in defaults), applies the VSECM_* overrides from `env`, and checks
// everything. Errors: InvalidArgument (with key, file and line), NotFound / PermissionDenied for
// the file itself. In production mode a file writable by its group or others, or owned by
// neither root nor this process's user, is refused: it chooses which code the Safe loads. Only
// VSECM_SAFE_MODE=development from the environment accepts such a file (the file cannot vouch
// for itself).
StatusOr<KernelConfig> LoadKernelConfig(const std::string& path, const EnvLookup& env);

// As LoadKernelConfig, for configuration text the caller already holds (LoadKernelConfig reads
// its file and hands the text here): `source` names it in messages ("/etc/vsecm/safe.yaml").
// The text is parsed and checked exactly as a file's, then the VSECM_* overrides from `env`
// apply. The caller answers for where the text came from: no ownership or mode check applies,
// and VSECM_CONFIG_FILE is not consulted.
StatusOr<KernelConfig> LoadKernelConfigFromText(std::string_view text, const std::string& source,
                                                const EnvLookup& env);

// Checks a plugin's `config:` section against the fields its descriptor declares and returns
// the normalized text of every key that has a value (the host's config_get serves these).
// Precedence per field: its `env` variable, then the file, then its default. Unknown keys,
// wrong types and missing required keys are InvalidArgument naming "<section>.config.<key>";
// messages give types, never values, since a plugin setting may be a credential. A malformed
// declaration (the plugin's bug) is FailedPrecondition naming the plugin.
// `section` is "plugins.crypto", "plugins.store" or "plugins.transform".
StatusOr<std::map<std::string, std::string>> ResolvePluginSettings(
    std::string_view section, const PluginSelection& selection,
    std::span<const vsecm_config_field> fields, const EnvLookup& env);

// One row of the reference table that docs/CONFIGURATION.md follows (a test checks it does).
struct ConfigKeyInfo {
  std::string_view key;            // "plugins.store.sha256"
  std::string_view type;           // "plugin name", "map", ...
  std::string_view default_value;  // as an operator would read it
  std::string_view env;            // "" when no variable overrides the key
  std::string_view help;
};
std::vector<ConfigKeyInfo> KernelConfigKeys();

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_CONFIG_HPP_
