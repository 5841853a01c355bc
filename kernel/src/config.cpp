// LoadKernelConfig and LoadKernelConfigFromText: defaults, then the file's text, then the
// environment, then VSecM's compatibility switches, then the checks that span several keys.
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "config_internal.hpp"
#include "vsecm/kernel/plugin_name.hpp"

namespace vsecm::kernel {
namespace {

using config_internal::Draft;
using config_internal::ErrorList;
using config_internal::KeyRule;
using config_internal::Located;
using config_internal::Shape;
using config_internal::Slot;

constexpr const char* kModeEnv = "VSECM_SAFE_MODE";
constexpr const char* kCryptoEnv = "VSECM_SAFE_CRYPTO_PLUGIN";
constexpr const char* kStoreEnv = "VSECM_SAFE_STORE_PLUGIN";
// VSecM's own switches, honoured so that existing manifests keep their meaning.
constexpr const char* kFipsEnv = "VSECM_SAFE_FIPS_COMPLIANT";
constexpr const char* kBackingStoreEnv = "VSECM_SAFE_BACKING_STORE";

constexpr std::string_view kEnvPrefix = "environment ";

struct SlotKeys {
  Slot slot;
  const char* section;
};
constexpr SlotKeys kSlots[] = {{Slot::kCrypto, "plugins.crypto"},
                               {Slot::kStore, "plugins.store"},
                               {Slot::kTransform, "plugins.transform"}};

std::optional<std::string> EnvValue(const EnvLookup& env, const char* name) {
  if (!env) return std::nullopt;
  std::optional<std::string> value = env(name);
  if (!value || value->empty()) return std::nullopt;
  return value;
}

std::string EnvOrigin(std::string_view name) { return std::string(kEnvPrefix) + std::string(name); }

bool FromEnvironment(const Draft& draft, const std::string& key) {
  auto it = draft.config.origins.find(key);
  return it != draft.config.origins.end() && it->second.starts_with(kEnvPrefix);
}

void Apply(const KeyRule& rule, const ConfigValue& value, Draft& draft, ErrorList& errors) {
  Status status = rule.set(rule, value, draft);
  if (!status.ok()) {
    errors.Add(Located(value.origin, rule.info.key, status.message()));
    return;
  }
  draft.config.origins[std::string(rule.info.key)] = value.origin;
}

void ApplyFile(const std::vector<config_internal::FileEntry>& entries, Draft& draft,
               ErrorList& errors) {
  for (const auto& entry : entries) {
    if (const KeyRule* rule = config_internal::FindRule(entry.key);
        rule != nullptr && rule->shape == Shape::kScalar) {
      Apply(*rule, entry.value, draft, errors);
      continue;
    }
    // A plugin setting: "<section>.config.<key>", where <key> may itself contain dots.
    for (const KeyRule& rule : config_internal::KeyRules()) {
      std::string prefix = std::string(rule.info.key) + ".";
      if (rule.shape == Shape::kSettings && entry.key.starts_with(prefix)) {
        SlotOf(draft, rule.slot).settings[entry.key.substr(prefix.size())] = entry.value;
        draft.config.origins[entry.key] = entry.value.origin;
        break;
      }
    }
  }
}

void ApplyEnvironment(const EnvLookup& env, Draft& draft, ErrorList& errors) {
  for (const KeyRule& rule : config_internal::KeyRules()) {
    if (rule.shape != Shape::kScalar || rule.info.env.empty()) continue;
    std::string name(rule.info.env);
    if (std::optional<std::string> text = EnvValue(env, name.c_str())) {
      Apply(rule, ConfigValue{*text, ConfigValue::Kind::kString, EnvOrigin(name)}, draft, errors);
    }
  }
}

void SelectByEnvironment(Draft& draft, Slot slot, const char* key, const char* variable,
                         const std::string& name) {
  SlotOf(draft, slot).name = name;
  draft.config.origins[key] = EnvOrigin(variable);
}

// VSECM_SAFE_FIPS_COMPLIANT=true → vsecm-crypto-aes. false changes nothing: VSecM's chart sets
// "false" by default, and that must not override a crypto plugin chosen in the file.
void ApplyFips(const EnvLookup& env, Draft& draft, ErrorList& errors) {
  std::optional<std::string> text = EnvValue(env, kFipsEnv);
  if (!text) return;
  bool fips = false;
  if (!config_internal::ParseGoBool(*text, &fips)) {
    errors.Add(fmt::format("{}: expected a boolean (true, false, 1, 0, t, f), found {}",
                           EnvOrigin(kFipsEnv), config_internal::Quote(*text)));
    return;
  }
  if (!fips) return;
  std::optional<std::string> explicit_crypto = EnvValue(env, kCryptoEnv);
  if (explicit_crypto && *explicit_crypto != config_internal::kFipsCrypto) {
    errors.Add(
        fmt::format("{}: plugins.crypto.name: {}=true selects {}, but {} selects {}; "
                    "unset one of them",
                    EnvOrigin(kFipsEnv), kFipsEnv, config_internal::kFipsCrypto, kCryptoEnv,
                    config_internal::Quote(*explicit_crypto)));
    return;
  }
  SelectByEnvironment(draft, Slot::kCrypto, "plugins.crypto.name", kFipsEnv,
                      config_internal::kFipsCrypto);
  draft.config.notices.push_back(fmt::format("{}=true: crypto plugin {} (AES-256-GCM)", kFipsEnv,
                                             config_internal::kFipsCrypto));
}

// VSecM's backing-store names → our store plugins. VSecM's other stores have no plugin here
// and are refused rather than silently replaced by another store.
StatusOr<std::string> StorePluginFor(const std::string& value) {
  if (value == "file") return std::string("vsecm-store-fs");
  if (value == "k8s" || value == "kubernetes") return std::string("vsecm-store-k8s");
  if (value == "rocksdb") return std::string("vsecm-store-rocksdb");
  if (value == "sqlcipher") return std::string("vsecm-store-sqlcipher");
  for (std::string_view unsupported :
       {"memory", "in-memory", "postgres", "aws-secret", "azure-secret", "gcp-secret"}) {
    if (value == unsupported) {
      return InvalidArgument(fmt::format(
          "VSecM's {} backing store has no store plugin here; accepted: file, k8s, kubernetes, "
          "rocksdb, sqlcipher, or a store plugin's name",
          config_internal::Quote(value)));
    }
  }
  if (IsValidPluginName(value)) return value;
  return InvalidArgument(
      fmt::format("{} is neither a VSecM backing store (file, k8s) nor a store plugin's name",
                  config_internal::Quote(value)));
}

void ApplyBackingStore(const EnvLookup& env, Draft& draft, ErrorList& errors) {
  std::optional<std::string> text = EnvValue(env, kBackingStoreEnv);
  if (!text) return;
  StatusOr<std::string> plugin = StorePluginFor(*text);
  if (!plugin.ok()) {
    errors.Add(fmt::format("{}: {}", EnvOrigin(kBackingStoreEnv), plugin.status().message()));
    return;
  }
  std::optional<std::string> explicit_store = EnvValue(env, kStoreEnv);
  if (explicit_store && *explicit_store != *plugin) {
    errors.Add(
        fmt::format("{}: plugins.store.name: {} selects {}, but {} selects {}; unset one "
                    "of them",
                    EnvOrigin(kBackingStoreEnv), kBackingStoreEnv, *plugin, kStoreEnv,
                    config_internal::Quote(*explicit_store)));
    return;
  }
  SelectByEnvironment(draft, Slot::kStore, "plugins.store.name", kBackingStoreEnv, *plugin);
}

std::string EffectiveName(Draft& draft, Slot slot) {
  if (slot == Slot::kTransform && draft.transform_disabled) return config_internal::kNoTransform;
  return SlotOf(draft, slot).name;
}

// A pin or settings written in the file for one plugin must not silently follow the
// environment to another plugin: a stale pin would fail obscurely, and dropping it silently
// would unpin the new plugin.
void CheckSwitchedPlugins(const std::string (&file_names)[3], Draft& draft, ErrorList& errors) {
  for (size_t i = 0; i < std::size(kSlots); ++i) {
    const std::string section = kSlots[i].section;
    const std::string name_key = section + ".name";
    const std::string sha_key = section + ".sha256";
    std::string now = EffectiveName(draft, kSlots[i].slot);
    if (!FromEnvironment(draft, name_key) || now == file_names[i]) continue;
    const PluginSelection& selection = SlotOf(draft, kSlots[i].slot);
    std::string origin = OriginOf(draft.config, name_key);
    if (selection.sha256 && !FromEnvironment(draft, sha_key)) {
      errors.Add(
          fmt::format("{}: {}: selects {}, but {} pins the sha256 of {}; set the new pin in the "
                      "environment too, or choose the plugin in the file",
                      origin, name_key, now, OriginOf(draft.config, sha_key), file_names[i]));
    }
    if (!selection.settings.empty()) {
      errors.Add(fmt::format(
          "{}: {}: selects {}, but {}.config (from {}) was written for {}; choose the plugin "
          "in the file",
          origin, name_key, now, section, selection.settings.begin()->second.origin,
          file_names[i]));
    }
  }
}

void Finish(Draft& draft, ErrorList& errors) {
  if (draft.transform_disabled) {
    const PluginSelection& transform = SlotOf(draft, Slot::kTransform);
    if (transform.sha256 || !transform.settings.empty()) {
      errors.Add(
          fmt::format("{}: plugins.transform.name: none disables the transform plugin, "
                      "so plugins.transform.sha256 and .config must not be set",
                      OriginOf(draft.config, "plugins.transform.name")));
    }
    draft.config.transform.reset();
  }
  if (draft.config.mode == Mode::kDevelopment) {
    draft.config.notices.push_back(fmt::format(
        "development mode (from {}): plugin and configuration file ownership is not checked; "
        "never run a production cluster like this",
        OriginOf(draft.config, "mode")));
  }
}

}  // namespace

EnvLookup ProcessEnvironment() {
  return [](const char* name) -> std::optional<std::string> {
    // secure_getenv: no environment-controlled behaviour if ever run set-id.
    const char* value = ::secure_getenv(name);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// The defaults, then `text` (when given) from `source`, then the environment, then the checks
// that span several keys. `notices` are carried into the result.
StatusOr<KernelConfig> Assemble(std::optional<std::string_view> text, const std::string& source,
                                std::vector<std::string> notices, const EnvLookup& env) {
  Draft draft;
  draft.config.crypto.name = config_internal::kDefaultCrypto;
  draft.config.store.name = config_internal::kDefaultStore;
  draft.config.transform.emplace().name = config_internal::kDefaultTransform;
  draft.config.source = "defaults";
  draft.config.notices = std::move(notices);

  ErrorList errors;
  if (text) {
    VSECM_ASSIGN_OR_RETURN(std::vector<config_internal::FileEntry> entries,
                           config_internal::ParseConfigYaml(*text, source, errors));
    ApplyFile(entries, draft, errors);
    draft.config.source = source;
  }

  std::string file_names[3];
  for (size_t i = 0; i < std::size(kSlots); ++i) {
    file_names[i] = EffectiveName(draft, kSlots[i].slot);
  }
  ApplyEnvironment(env, draft, errors);
  ApplyFips(env, draft, errors);
  ApplyBackingStore(env, draft, errors);
  CheckSwitchedPlugins(file_names, draft, errors);
  Finish(draft, errors);
  VSECM_RETURN_IF_ERROR(errors.ToStatus());
  return std::move(draft.config);
}

}  // namespace

StatusOr<KernelConfig> LoadKernelConfig(const std::string& path, const EnvLookup& env) {
  std::string file_path = path;
  if (file_path.empty()) file_path = EnvValue(env, kConfigFileEnv).value_or("");
  if (file_path.empty()) return Assemble(std::nullopt, "", {}, env);

  VSECM_ASSIGN_OR_RETURN(config_internal::ConfigFile file,
                         config_internal::ReadConfigFile(file_path));
  std::vector<std::string> notices;
  // Judged before parsing and before the file's own `mode` is read: a file anyone could have
  // written cannot vouch for itself, so only the environment can accept it.
  if (!file.insecure_reason.empty()) {
    if (EnvValue(env, kModeEnv).value_or("") != "development") {
      return PermissionDenied(fmt::format(
          "configuration file {}: refused because {}; the file chooses which plugin code the "
          "Safe loads. Make it owned by root and not writable by group or others "
          "(chown root; chmod go-w), or set {}=development in the environment",
          file_path, file.insecure_reason, kModeEnv));
    }
    notices.push_back(fmt::format("configuration file {} accepted in development mode although {}",
                                  file_path, file.insecure_reason));
  }
  return Assemble(std::string_view(file.text), file_path, std::move(notices), env);
}

StatusOr<KernelConfig> LoadKernelConfigFromText(std::string_view text, const std::string& source,
                                                const EnvLookup& env) {
  return Assemble(text, source, {}, env);
}

}  // namespace vsecm::kernel
