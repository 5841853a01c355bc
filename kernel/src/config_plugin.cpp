// ResolvePluginSettings: a plugin's `config:` section checked against the fields its descriptor
// declares. Any of these values may be a credential, so no message here quotes one: they name
// the key, the expected type and the type that was found.
#include <set>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "config_internal.hpp"

namespace vsecm::kernel {
namespace {

using config_internal::ErrorList;

std::string_view TypeName(vsecm_config_type type) {
  switch (type) {
    case VSECM_CONFIG_STRING: return "a string";
    case VSECM_CONFIG_INTEGER: return "an integer";
    case VSECM_CONFIG_BOOLEAN: return "a boolean (true or false)";
    default: return "an unknown type";
  }
}

bool IsFieldName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Normalizes text for `type`: integers to canonical decimal, booleans to "true"/"false".
// `go_bool` selects Go's spellings (environment, as in VSecM) over YAML's (the file).
bool Normalize(vsecm_config_type type, const std::string& text, bool go_bool, std::string* out) {
  switch (type) {
    case VSECM_CONFIG_STRING: *out = text; return true;
    case VSECM_CONFIG_INTEGER: return config_internal::ParseDecimalInt64(text, out);
    case VSECM_CONFIG_BOOLEAN: {
      bool value = false;
      bool ok = go_bool ? config_internal::ParseGoBool(text, &value)
                        : config_internal::ParseYamlBool(text, &value);
      if (ok) *out = value ? "true" : "false";
      return ok;
    }
    default: return false;
  }
}

// The plugin's own declaration, checked first: a bad one is the plugin author's bug and
// must not be reported as the operator's.
Status CheckDeclaration(const std::string& plugin, std::span<const vsecm_config_field> fields) {
  ErrorList errors;
  std::set<std::string_view> names;
  for (size_t i = 0; i < fields.size(); ++i) {
    const vsecm_config_field& f = fields[i];
    if (f.name == nullptr || !IsFieldName(f.name)) {
      errors.Add(
          fmt::format("plugin {}: config field #{} has no valid name ([a-z0-9_]+)", plugin, i));
      continue;
    }
    std::string where = fmt::format("plugin {}: config field {}", plugin, f.name);
    if (!names.insert(f.name).second) errors.Add(where + ": declared twice");
    if (f.type != VSECM_CONFIG_STRING && f.type != VSECM_CONFIG_INTEGER &&
        f.type != VSECM_CONFIG_BOOLEAN) {
      errors.Add(fmt::format("{}: unknown type {}", where, f.type));
      continue;
    }
    std::string ignored;
    if (f.default_value != nullptr && !Normalize(f.type, f.default_value, false, &ignored)) {
      errors.Add(fmt::format("{}: default is not {}", where, TypeName(f.type)));
    }
    if (f.env != nullptr && !config_internal::IsEnvVarName(f.env)) {
      errors.Add(where + ": env is not a variable name ([A-Z_][A-Z0-9_]*)");
    }
  }
  return errors.ToStatus(StatusCode::kFailedPrecondition);
}

// The value of one field as written in the file, or an error naming what was found instead.
bool FromFile(const vsecm_config_field& field, const ConfigValue& value, std::string* out,
              std::string* error) {
  using Kind = ConfigValue::Kind;
  bool type_fits = false;
  switch (field.type) {
    case VSECM_CONFIG_STRING:
      // A plain scalar that reads as a number or boolean is still the text the operator wrote.
      type_fits = value.kind == Kind::kString || value.kind == Kind::kInteger ||
                  value.kind == Kind::kFloat || value.kind == Kind::kBoolean;
      break;
    case VSECM_CONFIG_INTEGER: type_fits = value.kind == Kind::kInteger; break;
    case VSECM_CONFIG_BOOLEAN: type_fits = value.kind == Kind::kBoolean; break;
    default: break;
  }
  if (type_fits && Normalize(field.type, value.text, false, out)) return true;
  if (type_fits && field.type == VSECM_CONFIG_INTEGER) {
    *error = "expected an integer, found one outside the 64-bit range";
  } else {
    *error =
        fmt::format("expected {}, found {}", TypeName(field.type), ConfigValueKindName(value.kind));
  }
  return false;
}

}  // namespace

StatusOr<std::map<std::string, std::string>> ResolvePluginSettings(
    std::string_view section, const PluginSelection& selection,
    std::span<const vsecm_config_field> fields, const EnvLookup& env) {
  VSECM_RETURN_IF_ERROR(CheckDeclaration(selection.name, fields));
  const std::string prefix = fmt::format("{}.config.", section);

  ErrorList errors;
  std::vector<std::string> accepted;
  for (const vsecm_config_field& f : fields) accepted.emplace_back(f.name);
  for (const auto& [key, value] : selection.settings) {
    bool known = false;
    for (const vsecm_config_field& f : fields) known = known || key == f.name;
    if (known) continue;
    std::string accepted_text =
        accepted.empty()
            ? fmt::format("{} takes no settings", selection.name)
            : fmt::format("{} accepts {}", selection.name, config_internal::JoinWords(accepted));
    errors.Add(config_internal::Located(
        value.origin, prefix + key,
        fmt::format("unknown key{}; {}", config_internal::Suggestion(key, accepted),
                    accepted_text)));
  }

  std::map<std::string, std::string> resolved;
  for (const vsecm_config_field& f : fields) {
    const std::string key = prefix + f.name;
    std::string text, error;
    std::optional<std::string> env_text;
    if (f.env != nullptr && env) env_text = env(f.env);
    if (env_text && !env_text->empty()) {
      if (Normalize(f.type, *env_text, /*go_bool=*/true, &text)) {
        resolved[f.name] = std::move(text);
      } else {
        errors.Add(config_internal::Located(
            fmt::format("environment {}", f.env), key,
            fmt::format("expected {}{}", TypeName(f.type),
                        f.type == VSECM_CONFIG_BOOLEAN ? " (or 1, 0, t, f)" : "")));
      }
      continue;
    }
    auto it = selection.settings.find(f.name);
    if (it != selection.settings.end() && it->second.kind != ConfigValue::Kind::kNull) {
      if (FromFile(f, it->second, &text, &error)) {
        resolved[f.name] = std::move(text);
      } else {
        errors.Add(config_internal::Located(it->second.origin, key, error));
      }
      continue;
    }
    if (f.default_value != nullptr) {
      Normalize(f.type, f.default_value, false, &text);  // checked by CheckDeclaration
      resolved[f.name] = std::move(text);
    } else if (f.required != 0) {
      errors.Add(fmt::format("{}: required by {} and not set{}", key, selection.name,
                             f.env != nullptr ? fmt::format(" (set it in the file or in {})", f.env)
                                              : std::string(" in the file")));
    }
  }
  VSECM_RETURN_IF_ERROR(errors.ToStatus());
  return resolved;
}

}  // namespace vsecm::kernel
