// A JSON value as Go's encoding/json decodes it into interface{}: null, bool, float64, string,
// []interface{} and map[string]interface{} (keys unique, the last duplicate wins). Every node
// and every string lives in the rendering's secure memory resource; nothing is copied to the
// normal heap (which is why nlohmann::json is not used for secret values).
#ifndef VSECM_TRANSFORM_JSON_VALUE_HPP_
#define VSECM_TRANSFORM_JSON_VALUE_HPP_

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

namespace vsecm::transform {

enum class JsonType : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

struct JsonMember;

struct JsonValue {
  using allocator_type = std::pmr::polymorphic_allocator<JsonValue>;

  // Out of line: JsonMember is still incomplete here.
  explicit JsonValue(allocator_type a);
  JsonValue(const JsonValue& o, allocator_type a);
  JsonValue(JsonValue&& o, allocator_type a);
  JsonValue(const JsonValue& o) : JsonValue(o, o.string.get_allocator()) {}
  JsonValue(JsonValue&& o) noexcept;
  JsonValue& operator=(const JsonValue&) = delete;
  JsonValue& operator=(JsonValue&&) = delete;
  ~JsonValue();

  // The member named `key` of an object, or nullptr.
  const JsonValue* Find(std::string_view key) const;
  // Elements of an array, members of an object, bytes of a string; 0 otherwise.
  size_t Length() const;

  JsonType type = JsonType::kNull;
  bool boolean = false;
  double number = 0;
  std::pmr::string string;
  std::pmr::vector<JsonValue> array;
  std::pmr::vector<JsonMember> object;  // sorted by key (bytewise), keys unique
};

struct JsonMember {
  using allocator_type = std::pmr::polymorphic_allocator<JsonMember>;
  explicit JsonMember(allocator_type a) : key(a), value(a) {}
  JsonMember(const JsonMember& o, allocator_type a) : key(o.key, a), value(o.value, a) {}
  JsonMember(JsonMember&& o, allocator_type a) : key(std::move(o.key), a), value(std::move(o.value), a) {}
  JsonMember(JsonMember&& o) noexcept = default;
  JsonMember& operator=(JsonMember&&) = delete;

  std::pmr::string key;
  JsonValue value;
};

// Owns a value allocated in a memory resource.
struct JsonDeleter {
  std::pmr::memory_resource* mr;
  void operator()(JsonValue* v) const;
};
using JsonPtr = std::unique_ptr<JsonValue, JsonDeleter>;

enum class JsonParseStatus { kOk, kSyntax, kTooDeep };

struct JsonParseResult {
  JsonParseStatus status = JsonParseStatus::kSyntax;
  JsonPtr value{nullptr, JsonDeleter{nullptr}};
};

// Parses `text` as Go's json.Unmarshal into interface{} does (RFC 8259, invalid UTF-8 replaced
// by U+FFFD, numbers as float64; a number that overflows float64 is an error). Nesting deeper
// than `max_depth` gives kTooDeep. Never reports where the syntax is wrong: that would quote
// the secret.
JsonParseResult ParseJson(std::string_view text, int max_depth, std::pmr::memory_resource* mr);

// Go's ValidJSON test in VSecM: json.Unmarshal into map[string]any succeeds, i.e. the text is
// a JSON object or null.
inline bool IsObjectOrNull(const JsonValue& v) {
  return v.type == JsonType::kObject || v.type == JsonType::kNull;
}

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_JSON_VALUE_HPP_
