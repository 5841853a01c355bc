// Internals shared by the config*.cpp files: the schema table, the YAML reader and the small
// parsers every layer uses. Not installed; nothing outside kernel/src includes it.
#ifndef VSECM_KERNEL_SRC_CONFIG_INTERNAL_HPP_
#define VSECM_KERNEL_SRC_CONFIG_INTERNAL_HPP_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/config.hpp"

namespace vsecm::kernel::config_internal {

// ---- small parsers (config_values.cpp) ----------------------------------------------------

// Go's strconv.ParseBool, which VSecM uses: 1 t T TRUE true True / 0 f F FALSE false False.
bool ParseGoBool(std::string_view text, bool* out);
// The YAML 1.2 core-schema booleans: true True TRUE false False FALSE.
bool ParseYamlBool(std::string_view text, bool* out);
// Decimal, optional sign, fits in int64. `normalized` gets the canonical text ("-7", "42").
bool ParseDecimalInt64(std::string_view text, std::string* normalized);
// 64 hex digits in either case; `normalized` gets them in lower case.
bool ParseSha256(std::string_view text, std::string* normalized);
bool IsEnvVarName(std::string_view name);

// The core-schema kind of a plain (untagged, unquoted) YAML scalar.
ConfigValue::Kind ClassifyPlainScalar(std::string_view text);

// A value for an error message: quoted, at most 64 characters, control characters escaped.
// Only for values that are never secret (modes, plugin names, paths).
std::string Quote(std::string_view value);

// " (did you mean 'x'?)" when one accepted word is within two edits of `word`, else "".
std::string Suggestion(std::string_view word, std::span<const std::string> accepted);
std::string JoinWords(std::span<const std::string> words);  // "a, b, c"

// "origin: key: message", the one shape of every configuration error.
std::string Located(std::string_view origin, std::string_view key, std::string_view message);

// Collects every problem so the operator fixes them in one round, not one per restart.
class ErrorList {
 public:
  void Add(std::string message) { messages_.push_back(std::move(message)); }
  bool empty() const { return messages_.empty(); }
  Status ToStatus(StatusCode code = StatusCode::kInvalidArgument) const;

 private:
  std::vector<std::string> messages_;
};

// ---- the schema (config_schema.cpp) -------------------------------------------------------

enum class Shape {
  kSection,   // a map of further known keys
  kScalar,    // one value, parsed by `set`
  kSettings,  // a plugin's free-form `config:` map, checked later against its descriptor
};

enum class Slot { kNone, kCrypto, kStore, kTransform };

// The configuration while it is being assembled.
struct Draft {
  KernelConfig config;  // config.transform stays engaged until Finish
  bool transform_disabled = false;
};

PluginSelection& SlotOf(Draft& draft, Slot slot);

struct KeyRule {
  ConfigKeyInfo info;
  Shape shape;
  Slot slot;
  // kScalar only: parses `value` into the draft. The message names neither key nor origin;
  // the caller adds both.
  Status (*set)(const KeyRule& rule, const ConfigValue& value, Draft& draft);
};

std::span<const KeyRule> KeyRules();
const KeyRule* FindRule(std::string_view key);
// The known keys directly below `parent` ("" = the top level), in table order.
std::vector<std::string> ChildNames(std::string_view parent);

inline constexpr const char* kDefaultCrypto = "vsecm-crypto-age";
inline constexpr const char* kFipsCrypto = "vsecm-crypto-aes";
inline constexpr const char* kDefaultStore = "vsecm-store-fs";
inline constexpr const char* kDefaultTransform = "vsecm-transform";
inline constexpr const char* kNoTransform = "none";

// ---- the file (config_file.cpp) ------------------------------------------------------------

struct FileEntry {
  std::string key;  // "plugins.store.name", or "plugins.store.config.<key>" for settings
  ConfigValue value;
};

struct ConfigFile {
  std::string text;
  std::string insecure_reason;  // why the file's ownership or mode is unsafe; empty when fine
};

// Opens, checks and reads the file through one descriptor (no check-then-open race).
StatusOr<ConfigFile> ReadConfigFile(const std::string& path);

// Parses YAML `text` and checks its structure against the schema: unknown keys at any level,
// duplicate keys, maps where scalars belong and the reverse. Those problems go to `errors` and
// the well-formed entries are still returned, so every mistake is reported in one round; only
// a file that is not YAML at all is an error status. Returns every scalar and every plugin
// setting in document order; a null scalar is skipped (null means "not set"), a null plugin
// setting is kept so that an unknown key is still reported.
StatusOr<std::vector<FileEntry>> ParseConfigYaml(std::string_view text, const std::string& source,
                                                 ErrorList& errors);

}  // namespace vsecm::kernel::config_internal

#endif  // VSECM_KERNEL_SRC_CONFIG_INTERNAL_HPP_
