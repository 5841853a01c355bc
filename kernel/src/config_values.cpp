// Small parsers and message helpers shared by the configuration layers.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "config_internal.hpp"

namespace vsecm::kernel {

std::string_view ModeName(Mode mode) {
  return mode == Mode::kDevelopment ? "development" : "production";
}

std::string_view ConfigValueKindName(ConfigValue::Kind kind) {
  switch (kind) {
    case ConfigValue::Kind::kString: return "a string";
    case ConfigValue::Kind::kInteger: return "an integer";
    case ConfigValue::Kind::kFloat: return "a number with a fraction";
    case ConfigValue::Kind::kBoolean: return "a boolean";
    case ConfigValue::Kind::kNull: return "null";
    case ConfigValue::Kind::kSequence: return "a list";
    case ConfigValue::Kind::kMap: return "a map";
  }
  return "a value";
}

std::string OriginOf(const KernelConfig& config, std::string_view key) {
  auto it = config.origins.find(std::string(key));
  return it == config.origins.end() ? "default" : it->second;
}

namespace config_internal {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

bool ParseGoBool(std::string_view text, bool* out) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == t) return *out = true, true;
  }
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == f) return *out = false, true;
  }
  return false;
}

bool ParseYamlBool(std::string_view text, bool* out) {
  if (text == "true" || text == "True" || text == "TRUE") return *out = true, true;
  if (text == "false" || text == "False" || text == "FALSE") return *out = false, true;
  return false;
}

bool ParseDecimalInt64(std::string_view text, std::string* normalized) {
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) digits.remove_prefix(1);
  if (digits.empty() || !std::all_of(digits.begin(), digits.end(), IsDigit)) return false;
  // from_chars takes no '+'; a leading '-' it handles itself.
  std::string_view parse = text[0] == '+' ? text.substr(1) : text;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(parse.data(), parse.data() + parse.size(), value);
  if (ec != std::errc() || end != parse.data() + parse.size()) return false;
  *normalized = std::to_string(value);
  return true;
}

bool ParseSha256(std::string_view text, std::string* normalized) {
  if (text.size() != 64) return false;
  std::string lower;
  lower.reserve(64);
  for (char c : text) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  *normalized = std::move(lower);
  return true;
}

bool IsEnvVarName(std::string_view name) {
  if (name.empty() || IsDigit(name[0])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsDigit(c) || (c >= 'A' && c <= 'Z') || c == '_'; });
}

ConfigValue::Kind ClassifyPlainScalar(std::string_view text) {
  bool ignored = false;
  std::string normalized;
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return ConfigValue::Kind::kNull;
  }
  if (ParseYamlBool(text, &ignored)) return ConfigValue::Kind::kBoolean;
  std::string_view digits = text;
  if (digits[0] == '-' || digits[0] == '+') digits.remove_prefix(1);
  if (!digits.empty() && std::all_of(digits.begin(), digits.end(), IsDigit)) {
    return ConfigValue::Kind::kInteger;  // even when too large: the type is still "integer"
  }
  // Core-schema floats: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? and .inf / .nan.
  if (digits == ".inf" || digits == ".Inf" || digits == ".INF" || text == ".nan" ||
      text == ".NaN" || text == ".NAN") {
    return ConfigValue::Kind::kFloat;
  }
  size_t i = 0, mantissa_digits = 0;
  while (i < digits.size() && IsDigit(digits[i])) ++i, ++mantissa_digits;
  if (i < digits.size() && digits[i] == '.') {
    ++i;
    while (i < digits.size() && IsDigit(digits[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits > 0 && i < digits.size() && (digits[i] == 'e' || digits[i] == 'E')) {
    size_t exponent_start = ++i;
    if (i < digits.size() && (digits[i] == '-' || digits[i] == '+')) exponent_start = ++i;
    while (i < digits.size() && IsDigit(digits[i])) ++i;
    if (i == exponent_start) return ConfigValue::Kind::kString;
  }
  if (mantissa_digits > 0 && i == digits.size()) return ConfigValue::Kind::kFloat;
  return ConfigValue::Kind::kString;
}

std::string Quote(std::string_view value) {
  constexpr size_t kMax = 64;
  std::string out = "'";
  for (size_t i = 0; i < value.size() && i < kMax; ++i) {
    unsigned char c = static_cast<unsigned char>(value[i]);
    if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c == '\'') {
      out += "\\'";
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out += value.size() > kMax ? "'..." : "'";
  return out;
}

std::string Suggestion(std::string_view word, std::span<const std::string> accepted) {
  const std::string* best = nullptr;
  size_t best_distance = 3;
  for (const std::string& candidate : accepted) {
    size_t d = EditDistance(word, candidate);
    if (d < best_distance) best_distance = d, best = &candidate;
  }
  return best == nullptr ? "" : fmt::format(" (did you mean '{}'?)", *best);
}

std::string JoinWords(std::span<const std::string> words) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += ", ";
    out += w;
  }
  return out;
}

std::string Located(std::string_view origin, std::string_view key, std::string_view message) {
  return fmt::format("{}: {}: {}", origin, key, message);
}

Status ErrorList::ToStatus(StatusCode code) const {
  if (messages_.empty()) return Status::Ok();
  if (messages_.size() == 1) return Status(code, messages_[0]);
  std::string joined = fmt::format("{} configuration errors: ", messages_.size());
  for (size_t i = 0; i < messages_.size(); ++i) {
    if (i > 0) joined += "; ";
    joined += messages_[i];
  }
  return Status(code, std::move(joined));
}

}  // namespace config_internal
}  // namespace vsecm::kernel
