// The one table of configuration keys. A new setting is one row here (plus its field in
// KernelConfig); the YAML reader, the environment overrides, the unknown-key check and
// docs/CONFIGURATION.md all follow from this table.
#include <array>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "config_internal.hpp"
#include "vsecm/kernel/plugin_name.hpp"

namespace vsecm::kernel::config_internal {
namespace {

Status Invalid(std::string message) { return InvalidArgument(std::move(message)); }

Status SetMode(const KeyRule&, const ConfigValue& value, Draft& draft) {
  if (value.text == "production") {
    draft.config.mode = Mode::kProduction;
  } else if (value.text == "development") {
    draft.config.mode = Mode::kDevelopment;
  } else {
    return Invalid(fmt::format("expected production or development, found {}",
                               value.kind == ConfigValue::Kind::kString
                                   ? Quote(value.text)
                                   : std::string(ConfigValueKindName(value.kind))));
  }
  return Status::Ok();
}

Status CheckAbsolutePath(const ConfigValue& value) {
  if (value.kind != ConfigValue::Kind::kString) {
    return Invalid(
        fmt::format("expected an absolute path, found {}", ConfigValueKindName(value.kind)));
  }
  if (value.text.empty() || value.text[0] != '/') {
    return Invalid(fmt::format("expected an absolute path, found {}", Quote(value.text)));
  }
  if (value.text.find('\0') != std::string::npos) {
    return Invalid("a path cannot contain a NUL character");
  }
  return Status::Ok();
}

Status SetPluginDirectory(const KeyRule&, const ConfigValue& value, Draft& draft) {
  VSECM_RETURN_IF_ERROR(CheckAbsolutePath(value));
  draft.config.plugin_directory = value.text;
  return Status::Ok();
}

Status SetPluginName(const KeyRule& rule, const ConfigValue& value, Draft& draft) {
  if (value.kind != ConfigValue::Kind::kString) {
    return Invalid(
        fmt::format("expected a plugin name, found {}", ConfigValueKindName(value.kind)));
  }
  if (value.text == kNoTransform) {
    if (rule.slot != Slot::kTransform) {
      return Invalid(
          fmt::format("the {} plugin is required; none is accepted only for "
                      "plugins.transform.name",
                      rule.slot == Slot::kCrypto ? "crypto" : "store"));
    }
    draft.transform_disabled = true;
    return Status::Ok();
  }
  if (!IsValidPluginName(value.text)) {
    return Invalid(fmt::format(
        "{} is not a plugin name: expected lower-case letters, digits, '.', '_' and '-', "
        "starting with a letter or digit (the file is <name>.so in the plugin directory)",
        Quote(value.text)));
  }
  if (rule.slot == Slot::kTransform) draft.transform_disabled = false;
  SlotOf(draft, rule.slot).name = value.text;
  return Status::Ok();
}

Status SetPluginSha256(const KeyRule& rule, const ConfigValue& value, Draft& draft) {
  std::string normalized;
  // Any scalar kind: a hash made only of digits reads as a YAML integer or float.
  if (!ParseSha256(value.text, &normalized)) {
    return Invalid(fmt::format(
        "expected 64 hexadecimal digits (the SHA-256 of the plugin file, "
        "as sha256sum prints it), found {} characters{}",
        value.text.size(), value.text.size() == 64 ? " with a non-hexadecimal one" : ""));
  }
  SlotOf(draft, rule.slot).sha256 = std::move(normalized);
  return Status::Ok();
}

Status SetAuditPath(const KeyRule&, const ConfigValue& value, Draft& draft) {
  if (value.kind == ConfigValue::Kind::kString && value.text == "-") {
    draft.config.audit_path.clear();
    return Status::Ok();
  }
  if (value.kind != ConfigValue::Kind::kString || value.text.empty() || value.text[0] != '/' ||
      value.text.find('\0') != std::string::npos) {
    return Invalid(fmt::format("expected \"-\" (stderr) or an absolute path, found {}",
                               value.kind == ConfigValue::Kind::kString
                                   ? Quote(value.text)
                                   : std::string(ConfigValueKindName(value.kind))));
  }
  draft.config.audit_path = value.text;
  return Status::Ok();
}

constexpr std::string_view kPluginNameType = "plugin name";
constexpr std::string_view kSha256Type = "sha256 (64 hex digits)";
constexpr std::string_view kSettingsType = "map";
constexpr std::string_view kNotPinned = "not pinned";
constexpr std::string_view kSettingsHelp =
    "the plugin's own settings, checked against the keys the plugin declares";

// Table order is documentation order.
// clang-format off
const std::array kRules = {
    KeyRule{{"mode", "production | development", "production", "VSECM_SAFE_MODE",
             "development relaxes supply-chain checks; it is never chosen implicitly"},
            Shape::kScalar, Slot::kNone, SetMode},
    KeyRule{{"plugins", "section", "", "", "which plugins the Safe loads, and from where"},
            Shape::kSection, Slot::kNone, nullptr},
    KeyRule{{"plugins.directory", "absolute path", "<prefix>/lib/vsecm/plugins beside the binary",
             "VSECM_PLUGIN_DIR", "where plugin files (<name>.so) are looked up"},
            Shape::kScalar, Slot::kNone, SetPluginDirectory},
    KeyRule{{"plugins.crypto", "section", "", "", "the crypto plugin (encrypts records)"},
            Shape::kSection, Slot::kCrypto, nullptr},
    KeyRule{{"plugins.crypto.name", kPluginNameType, kDefaultCrypto, "VSECM_SAFE_CRYPTO_PLUGIN",
             "VSECM_SAFE_FIPS_COMPLIANT=true selects vsecm-crypto-aes"},
            Shape::kScalar, Slot::kCrypto, SetPluginName},
    KeyRule{{"plugins.crypto.sha256", kSha256Type, kNotPinned, "VSECM_SAFE_CRYPTO_SHA256",
             "refuse to load a crypto plugin file with another hash"},
            Shape::kScalar, Slot::kCrypto, SetPluginSha256},
    KeyRule{{"plugins.crypto.config", kSettingsType, "{}", "", kSettingsHelp},
            Shape::kSettings, Slot::kCrypto, nullptr},
    KeyRule{{"plugins.store", "section", "", "", "the store plugin (persists cipher text)"},
            Shape::kSection, Slot::kStore, nullptr},
    KeyRule{{"plugins.store.name", kPluginNameType, kDefaultStore, "VSECM_SAFE_STORE_PLUGIN",
             "VSecM's VSECM_SAFE_BACKING_STORE is honoured too (file, k8s)"},
            Shape::kScalar, Slot::kStore, SetPluginName},
    KeyRule{{"plugins.store.sha256", kSha256Type, kNotPinned, "VSECM_SAFE_STORE_SHA256",
             "refuse to load a store plugin file with another hash"},
            Shape::kScalar, Slot::kStore, SetPluginSha256},
    KeyRule{{"plugins.store.config", kSettingsType, "{}", "", kSettingsHelp},
            Shape::kSettings, Slot::kStore, nullptr},
    KeyRule{{"plugins.transform", "section", "", "",
             "the transform plugin (templates and formats values for workloads)"},
            Shape::kSection, Slot::kTransform, nullptr},
    KeyRule{{"plugins.transform.name", "plugin name | none", kDefaultTransform,
             "VSECM_SAFE_TRANSFORM_PLUGIN", "none: values are served exactly as stored"},
            Shape::kScalar, Slot::kTransform, SetPluginName},
    KeyRule{{"plugins.transform.sha256", kSha256Type, kNotPinned, "VSECM_SAFE_TRANSFORM_SHA256",
             "refuse to load a transform plugin file with another hash"},
            Shape::kScalar, Slot::kTransform, SetPluginSha256},
    KeyRule{{"plugins.transform.config", kSettingsType, "{}", "", kSettingsHelp},
            Shape::kSettings, Slot::kTransform, nullptr},
    KeyRule{{"audit", "section", "", "", "the audit journal"},
            Shape::kSection, Slot::kNone, nullptr},
    KeyRule{{"audit.path", "absolute path | -", "- (stderr)", "VSECM_SAFE_AUDIT_PATH",
             "where the JSON-lines audit journal is appended"},
            Shape::kScalar, Slot::kNone, SetAuditPath},
};
// clang-format on

}  // namespace

PluginSelection& SlotOf(Draft& draft, Slot slot) {
  switch (slot) {
    case Slot::kCrypto: return draft.config.crypto;
    case Slot::kStore: return draft.config.store;
    case Slot::kTransform:
    case Slot::kNone: break;
  }
  // The transform selection stays engaged while the draft is assembled.
  if (!draft.config.transform) draft.config.transform.emplace();
  return *draft.config.transform;
}

std::span<const KeyRule> KeyRules() { return kRules; }

const KeyRule* FindRule(std::string_view key) {
  for (const KeyRule& rule : kRules) {
    if (rule.info.key == key) return &rule;
  }
  return nullptr;
}

std::vector<std::string> ChildNames(std::string_view parent) {
  std::vector<std::string> names;
  for (const KeyRule& rule : kRules) {
    std::string_view key = rule.info.key;
    if (parent.empty()) {
      if (key.find('.') == std::string_view::npos) names.emplace_back(key);
    } else if (key.size() > parent.size() + 1 && key.substr(0, parent.size()) == parent &&
               key[parent.size()] == '.' &&
               key.find('.', parent.size() + 1) == std::string_view::npos) {
      names.emplace_back(key.substr(parent.size() + 1));
    }
  }
  return names;
}

}  // namespace vsecm::kernel::config_internal

namespace vsecm::kernel {

std::vector<ConfigKeyInfo> KernelConfigKeys() {
  std::vector<ConfigKeyInfo> keys;
  for (const auto& rule : config_internal::KeyRules()) keys.push_back(rule.info);
  return keys;
}

}  // namespace vsecm::kernel
