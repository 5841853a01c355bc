// Evaluation of pipelines, commands, fields, variables and calls (exec.go's eval functions).
#include <string>

#include "executor_internal.hpp"
#include "vsecm/transform/parser.hpp"

namespace vsecm::transform {

void Executor::SetVar(std::string_view name, const Value& v) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].name == name) {
      vars_[i].value = v;
      return;
    }
  }
  Errorf("undefined variable: " + std::string(name));
}

Value Executor::VarValue(std::string_view name) {
  for (size_t i = vars_.size(); i-- > 0;) {
    if (vars_[i].name == name) return vars_[i].value;
  }
  Errorf("undefined variable: " + std::string(name));
}

void Executor::NotAFunction(std::span<Node* const> args, const Value* final) {
  if (args.size() > 1 || final != nullptr) {
    Errorf("can't give argument to non-function " + NodeString(*args[0]));
  }
}

Value Executor::EvalPipeline(const Value& dot, const Node* pipe) {
  if (pipe == nullptr) return Value{};
  At(pipe);
  Value value;
  bool have = false;
  for (const Node* cmd : pipe->nodes) {
    value = Unbox(EvalCommand(dot, cmd, have ? &value : nullptr));
    have = true;
  }
  for (const Node* var : pipe->decl) {
    if (pipe->is_assign) {
      SetVar(var->ident[0], value);
    } else {
      Push(var->ident[0], value);
    }
  }
  return value;
}

Value Executor::EvalCommand(const Value& dot, const Node* cmd, const Value* final) {
  Step();
  const Node* first = cmd->nodes[0];
  std::span<Node* const> args(cmd->nodes);
  switch (first->type) {
    case NodeType::kField: return EvalFieldNode(dot, first, args, final);
    case NodeType::kChain: return EvalChainNode(dot, first, args, final);
    case NodeType::kIdentifier: return EvalFunction(dot, first, cmd, args, final);
    case NodeType::kPipe:
      NotAFunction(args, final);
      return EvalPipeline(dot, first);
    case NodeType::kVariable: return EvalVariableNode(dot, first, args, final);
    default: break;
  }
  At(first);
  NotAFunction(args, final);
  switch (first->type) {
    case NodeType::kBool: return BoolValue(first->boolean);
    case NodeType::kDot: return dot;
    case NodeType::kNil: Errorf("nil is not a command");
    case NodeType::kNumber: return IdealConstant(first);
    case NodeType::kString: return StringValue(first->text);
    default: Errorf("can't evaluate command " + NodeString(*first));
  }
}

Value Executor::IdealConstant(const Node* n) {
  At(n);
  const std::string& t = n->text;
  bool hex_int = t.size() > 2 && t[0] == '0' && (t[1] | 0x20) == 'x' && t.find_first_of("pP") == std::string::npos;
  bool rune_int = !t.empty() && t[0] == '\'';
  if (n->is_float && !hex_int && !rune_int && t.find_first_of(".eEpP") != std::string::npos) {
    return FloatValue(n->float64);
  }
  if (n->is_int) return IntValue(n->int64);
  if (n->is_uint) Errorf(t + " overflows int");
  return Value{};
}

Value Executor::EvalFieldNode(const Value& dot, const Node* field, std::span<Node* const> args,
                              const Value* final) {
  At(field);
  return EvalFieldChain(dot, dot, field, field->ident, args, final);
}

Value Executor::EvalChainNode(const Value& dot, const Node* chain, std::span<Node* const> args,
                              const Value* final) {
  At(chain);
  if (chain->pipe->type == NodeType::kNil) Errorf("indirection through explicit nil in " + NodeString(*chain));
  Value pipe;
  switch (chain->pipe->type) {
    case NodeType::kPipe: pipe = EvalPipeline(dot, chain->pipe); break;
    case NodeType::kIdentifier: pipe = EvalFunction(dot, chain->pipe, chain->pipe, {}, nullptr); break;
    default: pipe = EvalArg(dot, ParamType::kReflectValue, chain->pipe); break;
  }
  return EvalFieldChain(dot, pipe, chain, chain->ident, args, final);
}

Value Executor::EvalVariableNode(const Value& dot, const Node* var, std::span<Node* const> args,
                                 const Value* final) {
  At(var);
  Value value = VarValue(var->ident[0]);
  if (var->ident.size() == 1) {
    if (!args.empty()) NotAFunction(args, final);
    return value;
  }
  return EvalFieldChain(dot, value, var, std::span<const std::string>(var->ident).subspan(1), args, final);
}

Value Executor::EvalFieldChain(const Value& dot, Value receiver, const Node* node,
                               std::span<const std::string> ident, std::span<Node* const> args,
                               const Value* final) {
  const size_t n = ident.size();
  for (size_t i = 0; i + 1 < n; ++i) receiver = EvalField(dot, ident[i], node, {}, nullptr, receiver);
  return EvalField(dot, ident[n - 1], node, args, final, receiver);
}

Value Executor::EvalField(const Value&, const std::string& name, const Node*, std::span<Node* const> args,
                          const Value* final, const Value& receiver) {
  if (receiver.kind == Kind::kInvalid) return Value{};  // missingkey=default: no value
  const std::string type = StaticTypeName(receiver);
  if (receiver.kind == Kind::kNilInterface) Errorf("nil pointer evaluating " + type + "." + name);
  const bool has_args = args.size() > 1 || final != nullptr;
  if (receiver.kind == Kind::kMap) {
    if (has_args) Errorf(name + " is not a method but has arguments");
    const JsonValue* v = receiver.json->Find(name);
    return v == nullptr ? Value{} : FromJson(*v, true);
  }
  Errorf("can't evaluate field " + name + " in type " + type);
}

Value Executor::EvalFunction(const Value& dot, const Node* ident, const Node* cmd, std::span<Node* const> args,
                             const Value* final) {
  At(ident);
  if (!IsBuiltinFunction(ident->text)) Errorf("\"" + ident->text + "\" is not a defined function");
  return EvalCall(dot, ident->text, cmd, args, final);
}

Value Executor::ValidateType(const Value& v, ParamType type) {
  if (type != ParamType::kString) return v;  // reflect.Value and interface{} take anything
  if (v.kind == Kind::kInvalid) Errorf("invalid value; expected string");
  if (v.kind == Kind::kString) return Unbox(v);
  Errorf("wrong type for value; expected string; got " +
         (v.kind == Kind::kNilInterface ? std::string("interface {}") : DynamicTypeName(v)));
}

Value Executor::EvalArg(const Value& dot, ParamType type, const Node* n) {
  At(n);
  switch (n->type) {
    case NodeType::kDot: return ValidateType(dot, type);
    case NodeType::kNil:
      if (type == ParamType::kString) Errorf("cannot assign nil to string");
      return Value{};
    case NodeType::kField: {
      Node* const self[] = {const_cast<Node*>(n)};
      return ValidateType(EvalFieldNode(dot, n, self, nullptr), type);
    }
    case NodeType::kVariable: return ValidateType(EvalVariableNode(dot, n, {}, nullptr), type);
    case NodeType::kPipe: return ValidateType(EvalPipeline(dot, n), type);
    case NodeType::kIdentifier: return ValidateType(EvalFunction(dot, n, n, {}, nullptr), type);
    case NodeType::kChain: return ValidateType(EvalChainNode(dot, n, {}, nullptr), type);
    default: break;
  }
  if (type == ParamType::kString) {
    if (n->type == NodeType::kString) return StringValue(n->text);
    Errorf("expected string; found " + NodeString(*n));
  }
  switch (n->type) {
    case NodeType::kBool: return BoolValue(n->boolean);
    case NodeType::kNumber: return IdealConstant(n);
    case NodeType::kString: return StringValue(n->text);
    default: Errorf("can't handle assignment of " + NodeString(*n) + " to empty interface argument");
  }
}

Value Executor::EvalCall(const Value& dot, const std::string& name, const Node* node,
                         std::span<Node* const> args, const Value* final) {
  if (!args.empty()) args = args.subspan(1);  // args[0] is the function itself
  const Signature sig = BuiltinSignature(name);
  const size_t num_in = args.size() + (final != nullptr ? 1 : 0);
  size_t num_fixed = args.size();
  if (sig.variadic) {
    num_fixed = static_cast<size_t>(sig.params - 1);
    if (num_in < num_fixed) {
      Errorf("wrong number of args for " + name + ": want at least " + std::to_string(sig.params - 1) +
             " got " + std::to_string(args.size()));
    }
  } else if (num_in != static_cast<size_t>(sig.params)) {
    Errorf("wrong number of args for " + name + ": want " + std::to_string(sig.params) + " got " +
           std::to_string(num_in));
  }
  if (name == "and" || name == "or") {
    // Short-circuit: stop at the first false (and) or true (or) argument and return it.
    const bool want = name == "or";
    Value v;
    for (const Node* arg : args) {
      v = EvalArg(dot, ParamType::kReflectValue, arg);
      if (Truth(v) == want) return Unbox(v);
    }
    if (final != nullptr) v = *final;
    return Unbox(v);
  }
  std::pmr::vector<Value> argv(mr_);
  size_t i = 0;
  for (; i < num_fixed && i < args.size(); ++i) argv.push_back(EvalArg(dot, sig.fixed, args[i]));
  for (; i < args.size(); ++i) argv.push_back(EvalArg(dot, sig.rest, args[i]));
  if (final != nullptr) {
    ParamType t = sig.variadic && num_in - 1 >= num_fixed ? sig.rest : sig.fixed;
    argv.push_back(ValidateType(*final, t));
  }
  BuiltinEnv env{mr_, limits_.max_output_bytes, &work_bytes_,
                 name == "call" && !args.empty() ? NodeString(*args[0]) : std::string()};
  try {
    Value result = CallBuiltin(name, argv, env);
    ChargeWork(0);
    return result;
  } catch (const BuiltinError& e) {
    At(node);
    Errorf("error calling " + name + ": " + e.message);
  }
}

}  // namespace vsecm::transform
