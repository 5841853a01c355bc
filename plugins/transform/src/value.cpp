#include "vsecm/transform/value.hpp"

namespace vsecm::transform {

Value FromJson(const JsonValue& j, bool boxed) {
  Value v;
  v.boxed = boxed;
  switch (j.type) {
    case JsonType::kNull: v.kind = boxed ? Kind::kNilInterface : Kind::kInvalid; break;
    case JsonType::kBool: v.kind = Kind::kBool; v.b = j.boolean; break;
    case JsonType::kNumber: v.kind = Kind::kFloat; v.f = j.number; break;
    case JsonType::kString: v.kind = Kind::kString; v.s = j.string; break;
    case JsonType::kArray: v.kind = Kind::kSlice; v.json = &j; break;
    case JsonType::kObject: v.kind = Kind::kMap; v.json = &j; break;
  }
  return v;
}

Value Unbox(Value v) {
  if (v.kind == Kind::kNilInterface) return Value{};
  v.boxed = false;
  return v;
}

std::string DynamicTypeName(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: case Kind::kNilInterface: return "<nil>";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint8: return "uint8";
    case Kind::kFloat: return "float64";
    case Kind::kString: return "string";
    case Kind::kMap: return "map[string]interface {}";
    case Kind::kSlice: return "[]interface {}";
  }
  return "<nil>";
}

std::string StaticTypeName(const Value& v) {
  if (v.boxed || v.kind == Kind::kNilInterface) return "interface {}";
  return DynamicTypeName(v);
}

bool IsTrue(const Value& v) {
  switch (v.kind) {
    case Kind::kInvalid: case Kind::kNilInterface: return false;
    case Kind::kBool: return v.b;
    case Kind::kInt: case Kind::kUint8: return v.i != 0;
    case Kind::kFloat: return v.f != 0;
    case Kind::kString: case Kind::kMap: case Kind::kSlice: return v.Len() > 0;
  }
  return false;
}

}  // namespace vsecm::transform
