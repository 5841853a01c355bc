// Control flow and output of the executor (exec.go's walk functions).
#include <string>

#include "executor_internal.hpp"
#include "vsecm/sdk/status.hpp"
#include "vsecm/transform/executor.hpp"
#include "vsecm/transform/printf.hpp"

namespace vsecm::transform {

void Executor::Errorf(const std::string& msg) {
  if (node_ == nullptr) throw StatusError(InvalidArgument("template: secret: " + msg));
  // ErrorContext: the node written back as template text (never data).
  const std::string context = NodeString(*node_);
  throw StatusError(InvalidArgument("template: " + Location(tree_.text, node_->pos) +
                                    ": executing \"secret\" at <" + context + ">: " + msg));
}

void Executor::Exhausted(const std::string& msg) {
  std::string where = node_ == nullptr ? "secret" : Location(tree_.text, node_->pos);
  throw StatusError(ResourceExhausted("template: " + where + ": " + msg));
}

void Executor::Step() {
  if (++steps_ > limits_.max_steps()) {
    Exhausted("execution took more than " + std::to_string(limits_.max_steps()) +
              " steps (64 per max_iterations)");
  }
}

void Executor::ChargeWork(uint64_t bytes) {
  work_bytes_ += bytes;
  if (work_bytes_ > limits_.max_work_bytes()) {
    Exhausted("execution processed more than " + std::to_string(limits_.max_work_bytes()) +
              " bytes (32 times max_output_bytes)");
  }
}

void Executor::Write(std::string_view text) {
  if (text.size() > limits_.max_output_bytes - out_.size()) {
    Exhausted("the output exceeds max_output_bytes (" + std::to_string(limits_.max_output_bytes) + ")");
  }
  out_.append(text);
}

void Executor::Run(const Value& data) {
  Push("$", data);
  Walk(data, tree_.root);
}

Flow Executor::Walk(const Value& dot, const Node* node) {
  At(node);
  Step();
  switch (node->type) {
    case NodeType::kAction: {
      // Variables declared here persist until the enclosing {{end}}.
      Value v = EvalPipeline(dot, node->pipe);
      if (node->pipe->decl.empty()) PrintValue(node, v);
      return Flow::kNormal;
    }
    case NodeType::kBreak: return Flow::kBreak;
    case NodeType::kContinue: return Flow::kContinue;
    case NodeType::kIf: return WalkIfOrWith(false, dot, node);
    case NodeType::kWith: return WalkIfOrWith(true, dot, node);
    case NodeType::kList:
      for (const Node* n : node->nodes) {
        Flow f = Walk(dot, n);
        if (f != Flow::kNormal) return f;
      }
      return Flow::kNormal;
    case NodeType::kRange: return WalkRange(dot, node);
    case NodeType::kText: Write(node->text); return Flow::kNormal;
    default: Errorf("unknown node: " + NodeString(*node));
  }
}

Flow Executor::WalkIfOrWith(bool is_with, const Value& dot, const Node* node) {
  const size_t mark = Mark();
  Value val = EvalPipeline(dot, node->pipe);
  Flow f = Flow::kNormal;
  if (IsTrue(Unbox(val))) {
    f = Walk(is_with ? val : dot, node->list);
  } else if (node->else_list != nullptr) {
    f = Walk(dot, node->else_list);
  }
  Pop(mark);
  return f;
}

Flow Executor::WalkRange(const Value& dot, const Node* r) {
  At(r);
  const size_t outer = Mark();
  Value val = Unbox(EvalPipeline(dot, r->pipe));
  const size_t mark = Mark();
  const auto& decl = r->pipe->decl;
  bool broke = false;
  auto one = [&](const Value& index, const Value& elem) {
    if (++iterations_ > limits_.max_iterations) {
      Exhausted("range iterations exceed max_iterations (" + std::to_string(limits_.max_iterations) + ")");
    }
    if (!decl.empty()) {
      if (r->pipe->is_assign) {
        SetVar(decl[0]->ident[0], decl.size() > 1 ? index : elem);
      } else {
        SetTopVar(1, elem);
      }
    }
    if (decl.size() > 1) {
      if (r->pipe->is_assign) {
        SetVar(decl[1]->ident[0], elem);
      } else {
        SetTopVar(2, index);
      }
    }
    Flow f = Walk(elem, r->list);
    Pop(mark);
    if (f == Flow::kBreak) broke = true;
  };
  bool ran = false;
  switch (val.kind) {
    case Kind::kSlice:
      for (size_t k = 0; k < val.Len() && !broke; ++k, ran = true) {
        one(IntValue(static_cast<int64_t>(k)), FromJson(val.At(k), true));
      }
      break;
    case Kind::kMap:
      for (size_t k = 0; k < val.json->object.size() && !broke; ++k, ran = true) {
        const JsonMember& m = val.json->object[k];
        one(StringValue(m.key), FromJson(m.value, true));
      }
      break;
    case Kind::kInt:
      if (decl.size() > 1) Errorf("can't use " + std::to_string(val.i) + " to iterate over more than one variable");
      for (int64_t k = 0; k < val.i && !broke; ++k, ran = true) one(IntValue(k), IntValue(k));
      break;
    case Kind::kInvalid: break;  // like an empty (nil) map
    default:
      // Go prints the value here; a secret must not reach an error message.
      Errorf("range can't iterate over a value of type " + DynamicTypeName(val));
  }
  Flow f = Flow::kNormal;
  if (!ran && r->else_list != nullptr) f = Walk(dot, r->else_list);
  Pop(outer);
  return f == Flow::kBreak || f == Flow::kContinue ? f : Flow::kNormal;
}

void Executor::PrintValue(const Node* node, const Value& v) {
  At(node);
  if (v.kind == Kind::kInvalid) {
    Write("<no value>");
    return;
  }
  auto text = NewSecretString(mr_);
  Value arg = v;
  Sprint(*text, std::span<const Value>(&arg, 1), limits_.max_output_bytes);
  ChargeWork(text->size());
  Write(*text);
}

Status ExecuteTemplate(const Tree& tree, const JsonValue& data, const Limits& limits,
                       std::pmr::memory_resource* mr, SecretString& out) {
  try {
    Executor exec(tree, limits, mr, out);
    Value root = FromJson(data, false);
    if (data.type == JsonType::kNull) {
      // A nil map[string]interface{}: no keys, prints as map[].
      static const JsonValue* const kEmpty = [] {
        auto* v = new JsonValue(JsonValue::allocator_type(std::pmr::new_delete_resource()));
        v->type = JsonType::kObject;
        return v;
      }();
      root = FromJson(*kEmpty, false);
    }
    exec.Run(root);
    return Status::Ok();
  } catch (const StatusError& e) {
    return e.status();
  }
}

}  // namespace vsecm::transform
