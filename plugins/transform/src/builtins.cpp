#include "vsecm/transform/builtins.hpp"

#include <cstdio>
#include <vector>

#include "vsecm/transform/printf.hpp"
#include "vsecm/transform/utf8.hpp"

namespace vsecm::transform {
namespace {

[[noreturn]] void Fail(std::string msg) { throw BuiltinError{std::move(msg)}; }

// indirectInterface: the concrete value inside an interface, or kInvalid for nil.
Value Concrete(const Value& v) { return Unbox(v); }

// --- comparison (funcs.go basicKind, eq, lt)
enum class BasicKind { kInvalid, kBool, kInt, kFloat, kString, kUint };

BasicKind Basic(const Value& v) {
  switch (v.kind) {
    case Kind::kBool: return BasicKind::kBool;
    case Kind::kInt: return BasicKind::kInt;
    case Kind::kUint8: return BasicKind::kUint;
    case Kind::kFloat: return BasicKind::kFloat;
    case Kind::kString: return BasicKind::kString;
    default: return BasicKind::kInvalid;
  }
}

bool Eq(const Value& a1, std::span<const Value> rest, BuiltinEnv& env) {
  Value arg1 = Concrete(a1);
  if (rest.empty()) Fail("missing argument for comparison");
  BasicKind k1 = Basic(arg1);
  for (const Value& r : rest) {
    Value arg = Concrete(r);
    BasicKind k2 = Basic(arg);
    bool truth = false;
    if (k1 != k2) {
      if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) {
        truth = arg1.i >= 0 && arg1.i == arg.i;
      } else if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) {
        truth = arg.i >= 0 && arg1.i == arg.i;
      } else if (!arg1.IsNil() && !arg.IsNil()) {
        Fail("incompatible types for comparison: " + DynamicTypeName(arg1) + " and " +
             DynamicTypeName(arg));
      }
    } else {
      switch (k1) {
        case BasicKind::kBool: truth = arg1.b == arg.b; break;
        case BasicKind::kFloat: truth = arg1.f == arg.f; break;
        case BasicKind::kInt: case BasicKind::kUint: truth = arg1.i == arg.i; break;
        case BasicKind::kString:
          *env.work_bytes += std::min(arg1.s.size(), arg.s.size());
          truth = arg1.s == arg.s;
          break;
        case BasicKind::kInvalid: {
          // Maps, slices and nil: only nil compares, and only with nil.
          bool same_kind = arg1.kind == arg.kind;
          if (!same_kind && !arg1.IsNil() && !arg.IsNil()) {
            Fail("non-comparable types " + DynamicTypeName(arg1) + " and " + DynamicTypeName(arg));
          }
          if (arg1.IsNil() || arg.IsNil()) {
            truth = arg1.IsNil() == arg.IsNil();
          } else {
            Fail("non-comparable type " + DynamicTypeName(arg));
          }
          break;
        }
      }
    }
    if (truth) return true;
  }
  return false;
}

bool Lt(const Value& a1, const Value& a2, BuiltinEnv& env) {
  Value arg1 = Concrete(a1), arg2 = Concrete(a2);
  BasicKind k1 = Basic(arg1), k2 = Basic(arg2);
  if (k1 == BasicKind::kInvalid || k2 == BasicKind::kInvalid) Fail("invalid type for comparison");
  if (k1 != k2) {
    if (k1 == BasicKind::kInt && k2 == BasicKind::kUint) return arg1.i < 0 || arg1.i < arg2.i;
    if (k1 == BasicKind::kUint && k2 == BasicKind::kInt) return arg2.i >= 0 && arg1.i < arg2.i;
    Fail("incompatible types for comparison: " + DynamicTypeName(arg1) + " and " + DynamicTypeName(arg2));
  }
  switch (k1) {
    case BasicKind::kBool: Fail("invalid type for comparison");
    case BasicKind::kFloat: return arg1.f < arg2.f;
    case BasicKind::kInt: case BasicKind::kUint: return arg1.i < arg2.i;
    case BasicKind::kString:
      *env.work_bytes += std::min(arg1.s.size(), arg2.s.size());
      return arg1.s < arg2.s;
    default: Fail("invalid type for comparison");
  }
}

// --- indexing (funcs.go indexArg, index, slice)
size_t IndexArg(const Value& index, size_t cap) {
  Value v = Concrete(index);
  int64_t x;
  switch (v.kind) {
    case Kind::kInt: case Kind::kUint8: x = v.i; break;
    case Kind::kInvalid: Fail("cannot index slice/array with nil");
    default: Fail("cannot index slice/array with type " + DynamicTypeName(v));
  }
  if (x < 0 || static_cast<uint64_t>(x) > cap) Fail("index out of range: " + std::to_string(x));
  return static_cast<size_t>(x);
}

Value Index(std::span<const Value> args) {
  Value item = Concrete(args[0]);
  if (item.IsNil()) Fail("index of untyped nil");
  for (size_t k = 1; k < args.size(); ++k) {
    if (item.kind == Kind::kNilInterface) Fail("index of nil pointer");
    item = Concrete(item);
    switch (item.kind) {
      case Kind::kSlice: case Kind::kString: {
        size_t x = IndexArg(args[k], item.Len());
        if (x == item.Len()) Fail("reflect: slice index out of range");
        if (item.kind == Kind::kString) {
          Value b;
          b.kind = Kind::kUint8;
          b.i = static_cast<unsigned char>(item.s[x]);
          item = b;
        } else {
          item = FromJson(item.At(x), true);
        }
        break;
      }
      case Kind::kMap: {
        Value key = Concrete(args[k]);
        if (key.IsNil()) Fail("value is nil; should be of type string");
        if (key.kind != Kind::kString) {
          Fail("value has type " + DynamicTypeName(key) + "; should be string");
        }
        const JsonValue* found = item.json->Find(key.s);
        if (found != nullptr) {
          item = FromJson(*found, true);
        } else {
          item = Value{};
          item.kind = Kind::kNilInterface;
          item.boxed = true;
        }
        break;
      }
      default: Fail("can't index item of type " + DynamicTypeName(item));
    }
  }
  return item;
}

Value Slice(std::span<const Value> args) {
  Value item = Concrete(args[0]);
  if (item.IsNil()) Fail("slice of untyped nil");
  const size_t n = args.size() - 1;
  if (n > 3) Fail("too many slice indexes: " + std::to_string(n));
  if (item.kind == Kind::kString) {
    if (n == 3) Fail("cannot 3-index slice a string");
  } else if (item.kind != Kind::kSlice) {
    Fail("can't slice item of type " + DynamicTypeName(item));
  }
  // The capacity of a decoded JSON array is taken to be its length.
  const size_t cap = item.Len();
  size_t idx[3] = {0, item.Len(), 0};
  for (size_t k = 0; k < n; ++k) idx[k] = IndexArg(args[k + 1], cap);
  if (idx[0] > idx[1]) Fail("invalid slice index: " + std::to_string(idx[0]) + " > " + std::to_string(idx[1]));
  if (n == 3 && idx[1] > idx[2]) {
    Fail("invalid slice index: " + std::to_string(idx[1]) + " > " + std::to_string(idx[2]));
  }
  if (item.kind == Kind::kString) {
    Value s = item;
    s.s = item.s.substr(idx[0], idx[1] - idx[0]);
    return s;
  }
  Value s = item;
  s.hi = item.lo + idx[1];
  s.lo = item.lo + idx[0];
  return s;
}

Value Length(const Value& arg) {
  if (arg.kind == Kind::kInvalid) Fail("reflect: call of reflect.Value.Type on zero Value");
  if (arg.kind == Kind::kNilInterface) Fail("len of nil pointer");
  switch (arg.kind) {
    case Kind::kString: case Kind::kMap: case Kind::kSlice: return IntValue(static_cast<int64_t>(arg.Len()));
    default: Fail("len of type " + DynamicTypeName(arg));
  }
}

// --- escaping (funcs.go evalArgs, HTMLEscape, JSEscape; net/url QueryEscape)
std::shared_ptr<SecretString> EvalArgs(std::span<const Value> args, BuiltinEnv& env) {
  auto s = NewSecretString(env.mr);
  if (args.size() == 1 && args[0].kind == Kind::kString) {
    s->assign(args[0].s);
    return s;
  }
  std::pmr::vector<Value> printable(env.mr);
  for (const Value& a : args) printable.push_back(a.IsNil() ? StringValue("<no value>") : a);
  Sprint(*s, printable, env.max_string_bytes);
  return s;
}

void HtmlEscape(SecretString& out, std::string_view in) {
  for (char c : in) {
    switch (c) {
      case '\0': out.append("\xEF\xBF\xBD"); break;
      case '"': out.append("&#34;"); break;
      case '\'': out.append("&#39;"); break;
      case '&': out.append("&amp;"); break;
      case '<': out.append("&lt;"); break;
      case '>': out.append("&gt;"); break;
      default: out.push_back(c);
    }
  }
}

void JsEscape(SecretString& out, std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (size_t i = 0; i < in.size();) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      switch (c) {
        case '\\': out.append("\\\\"); break;
        case '\'': out.append("\\'"); break;
        case '"': out.append("\\\""); break;
        case '<': out.append("\\u003C"); break;
        case '>': out.append("\\u003E"); break;
        case '&': out.append("\\u0026"); break;
        case '=': out.append("\\u003D"); break;
        default:
          if (c < ' ') {
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xF]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    auto [r, w] = DecodeRune(in.substr(i));
    if (IsPrint(r)) {
      out.append(in.substr(i, w));
    } else {
      char buf[16];
      std::snprintf(buf, sizeof buf, "\\u%04X", static_cast<unsigned>(r));
      out.append(buf);
    }
    i += w;
  }
}

void QueryEscape(SecretString& out, std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : in) {
    unsigned char c = static_cast<unsigned char>(ch);
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
}

Value Escaped(std::span<const Value> args, BuiltinEnv& env, void (*escape)(SecretString&, std::string_view)) {
  auto in = EvalArgs(args, env);
  auto out = NewSecretString(env.mr);
  *env.work_bytes += in->size();
  escape(*out, *in);
  if (out->size() > env.max_string_bytes) {
    Fail("the escaped text would exceed max_output_bytes (" + std::to_string(env.max_string_bytes) + ")");
  }
  return OwnedString(std::move(out));
}

}  // namespace

Signature BuiltinSignature(std::string_view name) {
  using P = ParamType;
  if (name == "len" || name == "not") return {1, false, P::kReflectValue, P::kReflectValue};
  if (name == "ne" || name == "lt" || name == "le" || name == "gt" || name == "ge") {
    return {2, false, P::kReflectValue, P::kReflectValue};
  }
  if (name == "printf") return {2, true, P::kString, P::kAny};
  if (name == "print" || name == "println" || name == "html" || name == "js" || name == "urlquery") {
    return {1, true, P::kAny, P::kAny};
  }
  // and, or, call, index, slice, eq
  return {2, true, P::kReflectValue, P::kReflectValue};
}

bool Truth(const Value& v) { return IsTrue(Unbox(v)); }

Value CallBuiltin(std::string_view name, std::span<const Value> args, BuiltinEnv& env) {
  if (name == "len") return Length(args[0]);
  if (name == "not") return BoolValue(!Truth(args[0]));
  if (name == "index") return Index(args);
  if (name == "slice") return Slice(args);
  if (name == "eq") return BoolValue(Eq(args[0], args.subspan(1), env));
  if (name == "ne") return BoolValue(!Eq(args[0], args.subspan(1), env));
  if (name == "lt") return BoolValue(Lt(args[0], args[1], env));
  if (name == "le") return BoolValue(Lt(args[0], args[1], env) || Eq(args[0], args.subspan(1), env));
  if (name == "gt") {
    bool le = Lt(args[0], args[1], env) || Eq(args[0], args.subspan(1), env);
    return BoolValue(!le);
  }
  if (name == "ge") return BoolValue(!Lt(args[0], args[1], env));
  if (name == "call") {
    Value fn = Concrete(args[0]);
    if (fn.IsNil()) Fail("call of nil");
    Fail("non-function " + env.callee + " of type " + DynamicTypeName(fn));
  }
  if (name == "html") return Escaped(args, env, &HtmlEscape);
  if (name == "js") return Escaped(args, env, &JsEscape);
  if (name == "urlquery") return Escaped(args, env, &QueryEscape);
  auto out = NewSecretString(env.mr);
  if (name == "print") {
    Sprint(*out, args, env.max_string_bytes);
  } else if (name == "println") {
    Sprintln(*out, args, env.max_string_bytes);
  } else {  // printf
    Sprintf(*out, args[0].s, args.subspan(1), env.max_string_bytes);
  }
  *env.work_bytes += out->size();
  return OwnedString(std::move(out));
}

}  // namespace vsecm::transform
