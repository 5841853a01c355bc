// libFuzzer target for the kernel's configuration loader: the input is the text of vsecm-safe's
// YAML file, loaded with LoadKernelConfigFromText (what LoadKernelConfig runs once it has read
// the file) under several environments: none, VSecM's chart defaults, the compatibility
// switches, every override at once, and one VSECM_* variable set to the input's last line.
// Every plugin section that loads is then checked against declared settings (those of the real
// aes and k8s plugins) with ResolvePluginSettings, as the Safe does before creating a plugin.
//
// Checked besides "no crash, leak or undefined behaviour": a configuration that loads keeps the
// documented guarantees (plugin names, pins and paths well formed); every refusal has a message;
// a setting's value from the environment never appears in an error; and for every 8th input the
// file-based entry (a real 0600 file) answers exactly as the text entry does.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/config.hpp"

namespace {

using vsecm::StatusOr;
using vsecm::kernel::EnvLookup;
using vsecm::kernel::KernelConfig;
using vsecm::kernel::PluginSelection;

using EnvMap = std::map<std::string, std::string>;

constexpr const char* kSource = "/etc/vsecm/safe.yaml";
// The value given to a plugin setting's variable: must never be quoted back in an error.
constexpr std::string_view kCanary = "canary-value-5e1f0c9d";

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "config_loader_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

EnvLookup Lookup(const EnvMap& env) {
  return [&env](const char* name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

// Settings as the real plugins declare them.
constexpr vsecm_config_field kCryptoFields[] = {
    {"fips_required", VSECM_CONFIG_BOOLEAN, 0, "false", "VSECM_SAFE_FIPS_REQUIRED", "fips"},
};
constexpr vsecm_config_field kStoreFields[] = {
    {"namespace", VSECM_CONFIG_STRING, 0, nullptr, "VSECM_NAMESPACE_SYSTEM", "namespace"},
    {"kubeconfig", VSECM_CONFIG_STRING, 0, nullptr, "KUBECONFIG", "kubeconfig"},
    {"secret_prefix", VSECM_CONFIG_STRING, 0, "vsecm-secret-", nullptr, "prefix"},
    {"backup_count", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT", "backups"},
    {"request_timeout_ms", VSECM_CONFIG_INTEGER, 0, "10000", nullptr, "timeout"},
    {"data_path", VSECM_CONFIG_STRING, 0, "/var/local/vsecm/data", "VSECM_SAFE_DATA_PATH", "dir"},
};
constexpr vsecm_config_field kTransformFields[] = {
    {"max_output_bytes", VSECM_CONFIG_INTEGER, 1, nullptr, "VSECM_FUZZ_TRANSFORM_MAX", "limit"},
    {"strict", VSECM_CONFIG_BOOLEAN, 0, "true", nullptr, "strict"},
};

// Every variable the loader reads: the keys' overrides and VSecM's switches.
std::vector<std::string> KernelVariables() {
  std::vector<std::string> names = {"VSECM_SAFE_MODE", "VSECM_SAFE_FIPS_COMPLIANT",
                                    "VSECM_SAFE_BACKING_STORE", "VSECM_CONFIG_FILE"};
  for (const auto& key : vsecm::kernel::KernelConfigKeys()) {
    if (!key.env.empty()) names.emplace_back(key.env);
  }
  return names;
}

std::vector<EnvMap> FixedEnvironments() {
  return {
      {},
      // VSecM's chart defaults.
      {{"VSECM_SAFE_FIPS_COMPLIANT", "false"}, {"VSECM_SAFE_BACKING_STORE", "file"}},
      // The compatibility switches, in development mode, with settings from the environment.
      {{"VSECM_SAFE_FIPS_COMPLIANT", "true"},
       {"VSECM_SAFE_BACKING_STORE", "k8s"},
       {"VSECM_SAFE_MODE", "development"},
       {"VSECM_SAFE_FIPS_REQUIRED", "T"},
       {"VSECM_NAMESPACE_SYSTEM", "vsecm-system"},
       {"VSECM_SAFE_SECRET_BACKUP_COUNT", "+007"}},
      // Every override at once; the integer setting gets the canary (a type error).
      {{"VSECM_SAFE_MODE", "production"},
       {"VSECM_PLUGIN_DIR", "/usr/lib/vsecm/plugins"},
       {"VSECM_SAFE_CRYPTO_PLUGIN", "vsecm-crypto-aes"},
       {"VSECM_SAFE_CRYPTO_SHA256",
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08"},
       {"VSECM_SAFE_STORE_PLUGIN", "vsecm-store-rocksdb"},
       {"VSECM_SAFE_STORE_SHA256",
        "3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855a"},
       {"VSECM_SAFE_TRANSFORM_PLUGIN", "none"},
       {"VSECM_SAFE_AUDIT_PATH", "/var/log/vsecm/audit.jsonl"},
       {"VSECM_SAFE_SECRET_BACKUP_COUNT", std::string(kCanary)},
       {"VSECM_FUZZ_TRANSFORM_MAX", std::string(kCanary)}},
  };
}

bool IsPluginName(std::string_view s) {
  if (s.empty() || s.size() > 128) return false;
  if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9'))) return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-')) {
      return false;
    }
  }
  return true;
}

void CheckSelection(const PluginSelection& p, const char* slot) {
  if (!IsPluginName(p.name) || p.name == "none") Fail("loaded a bad plugin name", slot);
  if (p.sha256) {
    if (p.sha256->size() != 64) Fail("loaded a pin that is not 64 digits", slot);
    for (char c : *p.sha256) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        Fail("loaded a pin not in lower-case hex", slot);
      }
    }
  }
}

// The guarantees docs/CONFIGURATION.md gives for a configuration that loads.
void CheckLoaded(const KernelConfig& c) {
  CheckSelection(c.crypto, "crypto");
  CheckSelection(c.store, "store");
  if (c.transform) CheckSelection(*c.transform, "transform");
  if (!c.plugin_directory.empty() && c.plugin_directory[0] != '/') {
    Fail("loaded a relative plugin directory", c.plugin_directory);
  }
  if (!c.audit_path.empty() && c.audit_path[0] != '/') {
    Fail("loaded a relative audit path", c.audit_path);
  }
  if (c.source.empty()) Fail("loaded a configuration with no source");
}

// An error may quote what the input itself says (a mode, a plugin name): the canary counts only
// when the input does not carry it.
void CheckNoCanary(std::string_view text, const std::string& message) {
  if (text.find(kCanary) == std::string_view::npos && message.find(kCanary) != std::string::npos) {
    Fail("an error quotes a setting's value", message);
  }
}

void ResolveSettings(std::string_view text, const KernelConfig& c, const EnvLookup& env) {
  struct Slot {
    const char* section;
    const PluginSelection* selection;
    std::span<const vsecm_config_field> fields;
  };
  const Slot slots[] = {
      {"plugins.crypto", &c.crypto, kCryptoFields},
      {"plugins.store", &c.store, kStoreFields},
      {"plugins.transform", c.transform ? &*c.transform : nullptr, kTransformFields}};
  for (const Slot& slot : slots) {
    if (slot.selection == nullptr) continue;
    auto settings =
        vsecm::kernel::ResolvePluginSettings(slot.section, *slot.selection, slot.fields, env);
    if (settings.ok()) continue;
    const std::string message = settings.status().message();
    if (message.empty()) Fail("plugin settings refused without a message");
    CheckNoCanary(text, message);
  }
}

void Load(std::string_view text, const EnvMap& env_map) {
  const EnvLookup env = Lookup(env_map);
  StatusOr<KernelConfig> config = vsecm::kernel::LoadKernelConfigFromText(text, kSource, env);
  if (!config.ok()) {
    const std::string message = config.status().message();
    if (message.empty()) Fail("refused without a message");
    CheckNoCanary(text, message);
    return;
  }
  CheckLoaded(*config);
  ResolveSettings(text, *config, env);
}

// The file entry over a real file must answer exactly as the text entry.
void CompareWithFile(std::string_view text, const EnvMap& env_map) {
  static const std::string& dir = *[] {
    char tmpl[] = "/tmp/vsecm-config-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Fail("mkdtemp");
    auto* path = new std::string(tmpl);  // never freed: the exit handler below still uses it
    std::atexit([] { ::rmdir(dir.c_str()); });  // libFuzzer ends a run with exit()
    return path;
  }();
  const std::string path = dir + "/safe.yaml";
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    Fail("writing the config file");
  }
  ::close(fd);
  const EnvLookup env = Lookup(env_map);
  auto from_file = vsecm::kernel::LoadKernelConfig(path, env);
  auto from_text = vsecm::kernel::LoadKernelConfigFromText(text, path, env);
  ::unlink(path.c_str());
  if (text.size() > (size_t{1} << 20)) return;  // the file entry refuses what is this large
  if (from_file.ok() != from_text.ok()) Fail("file and text entries disagree");
  if (!from_file.ok()) {
    if (from_file.status().ToString() != from_text.status().ToString()) {
      Fail("file and text entries refuse differently", from_file.status().ToString());
    }
    return;
  }
  const KernelConfig& a = *from_file;
  const KernelConfig& b = *from_text;
  if (a.crypto.name != b.crypto.name || a.store.name != b.store.name ||
      a.transform.has_value() != b.transform.has_value() || a.crypto.sha256 != b.crypto.sha256 ||
      a.store.sha256 != b.store.sha256 || a.plugin_directory != b.plugin_directory ||
      a.audit_path != b.audit_path || a.mode != b.mode || a.origins != b.origins ||
      a.source != b.source || a.notices != b.notices) {
    Fail("file and text entries load differently");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<EnvMap> environments = FixedEnvironments();
  static const std::vector<std::string> variables = KernelVariables();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  for (const EnvMap& env : environments) Load(text, env);

  // One variable, chosen by the input, set to the input's last line.
  uint32_t h = 2166136261u;
  for (uint8_t b : text) h = (h ^ b) * 16777619u;
  const size_t cut = text.rfind('\n');
  const std::string_view last = cut == std::string_view::npos ? text : text.substr(cut + 1);
  EnvMap fuzzed = {{variables[h % variables.size()], std::string(last.substr(0, 256))}};
  Load(text, fuzzed);

  if (h % 8 == 0) CompareWithFile(text, environments[h / 8 % environments.size()]);
  return 0;
}
