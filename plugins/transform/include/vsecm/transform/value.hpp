// What a template expression evaluates to: the handful of Go types that JSON data and template
// literals produce (bool, int, uint8, float64, string, map[string]interface{},
// []interface{}, nil). `boxed` records that the value's static type is interface{} (it was
// read out of a map or slice), which Go's error messages and nil handling depend on.
// Values refer into the JSON tree or the template; computed strings are owned through a
// shared pointer to secure memory.
#ifndef VSECM_TRANSFORM_VALUE_HPP_
#define VSECM_TRANSFORM_VALUE_HPP_

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "vsecm/transform/json_value.hpp"
#include "vsecm/transform/secure_memory.hpp"

namespace vsecm::transform {

enum class Kind : uint8_t {
  kInvalid,       // no value: a missing key, or nil after unwrapping (reflect.Value{})
  kNilInterface,  // a JSON null read out of a map or slice: interface{}(nil)
  kBool,
  kInt,    // template integer constants, len results
  kUint8,  // index into a string
  kFloat,  // JSON numbers, template float constants
  kString,
  kMap,
  kSlice,
};

struct Value {
  Kind kind = Kind::kInvalid;
  bool boxed = false;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string_view s;
  std::shared_ptr<const SecretString> owned;  // keeps `s` alive when it was computed
  const JsonValue* json = nullptr;            // kMap, kSlice
  size_t lo = 0;                              // kSlice: the view json->array[lo, hi)
  size_t hi = SIZE_MAX;

  bool IsNil() const { return kind == Kind::kInvalid || kind == Kind::kNilInterface; }
  size_t Len() const {
    if (kind == Kind::kString) return s.size();
    if (kind == Kind::kSlice) return std::min(hi, json->array.size()) - lo;
    return json != nullptr ? json->Length() : 0;
  }
  // Element k of a kSlice view, boxed as Go's []interface{} elements are.
  const JsonValue& At(size_t k) const { return json->array[lo + k]; }
};

inline Value BoolValue(bool b) { Value v; v.kind = Kind::kBool; v.b = b; return v; }
inline Value IntValue(int64_t i) { Value v; v.kind = Kind::kInt; v.i = i; return v; }
inline Value FloatValue(double f) { Value v; v.kind = Kind::kFloat; v.f = f; return v; }
inline Value StringValue(std::string_view s) { Value v; v.kind = Kind::kString; v.s = s; return v; }
inline Value OwnedString(std::shared_ptr<const SecretString> str) {
  Value v;
  v.kind = Kind::kString;
  v.s = *str;
  v.owned = std::move(str);
  return v;
}

// A JSON node as Go sees it after decoding into interface{}; boxed when read out of a
// container (a null element is then a nil interface, not an absent value).
Value FromJson(const JsonValue& j, bool boxed);

// evalPipeline's unwrapping of interface{} results: the concrete value, or kInvalid for nil.
Value Unbox(Value v);

// reflect.Type.String() of the value's static type: "interface {}" when boxed.
std::string StaticTypeName(const Value& v);
// The dynamic type, as %T prints it; "<nil>" for nil.
std::string DynamicTypeName(const Value& v);

// Go's truth (text/template isTrue): false, 0, "", empty map or slice, and nil are false.
bool IsTrue(const Value& v);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_VALUE_HPP_
