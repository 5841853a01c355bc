// The executor's state, shared by exec_walk.cpp (control flow, output) and exec_eval.cpp
// (pipelines, fields, calls).
#ifndef VSECM_TRANSFORM_SRC_EXECUTOR_INTERNAL_HPP_
#define VSECM_TRANSFORM_SRC_EXECUTOR_INTERNAL_HPP_

#include <memory_resource>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/transform/ast.hpp"
#include "vsecm/transform/builtins.hpp"
#include "vsecm/transform/limits.hpp"
#include "vsecm/transform/value.hpp"

namespace vsecm::transform {

// How a walk ended: normally, or by {{break}} / {{continue}} inside a range.
enum class Flow { kNormal, kBreak, kContinue };

class Executor {
 public:
  Executor(const Tree& tree, const Limits& limits, std::pmr::memory_resource* mr, SecretString& out)
      : tree_(tree), limits_(limits), mr_(mr), out_(out), vars_(mr) {}

  void Run(const Value& data);

 private:
  struct Var {
    std::string_view name;
    Value value;
  };

  // exec_walk.cpp
  Flow Walk(const Value& dot, const Node* node);
  Flow WalkIfOrWith(bool is_with, const Value& dot, const Node* node);
  Flow WalkRange(const Value& dot, const Node* node);
  void PrintValue(const Node* node, const Value& v);
  void Write(std::string_view text);

  // exec_eval.cpp
  Value EvalPipeline(const Value& dot, const Node* pipe);
  Value EvalCommand(const Value& dot, const Node* cmd, const Value* final);
  Value EvalFieldNode(const Value& dot, const Node* field, std::span<Node* const> args, const Value* final);
  Value EvalChainNode(const Value& dot, const Node* chain, std::span<Node* const> args, const Value* final);
  Value EvalVariableNode(const Value& dot, const Node* var, std::span<Node* const> args, const Value* final);
  Value EvalFieldChain(const Value& dot, Value receiver, const Node* node, std::span<const std::string> ident,
                       std::span<Node* const> args, const Value* final);
  Value EvalField(const Value& dot, const std::string& name, const Node* node, std::span<Node* const> args,
                  const Value* final, const Value& receiver);
  Value EvalFunction(const Value& dot, const Node* ident, const Node* cmd, std::span<Node* const> args,
                     const Value* final);
  Value EvalCall(const Value& dot, const std::string& name, const Node* node, std::span<Node* const> args,
                 const Value* final);
  Value EvalArg(const Value& dot, ParamType type, const Node* n);
  Value ValidateType(const Value& v, ParamType type);
  Value IdealConstant(const Node* n);
  void NotAFunction(std::span<Node* const> args, const Value* final);

  // Variables (exec.go's push, mark, pop, setVar, varValue).
  void Push(std::string_view name, const Value& v) { vars_.push_back(Var{name, v}); }
  size_t Mark() const { return vars_.size(); }
  void Pop(size_t mark) { vars_.resize(mark, Var{std::string_view(), Value{}}); }
  void SetVar(std::string_view name, const Value& v);
  void SetTopVar(size_t n, const Value& v) { vars_[vars_.size() - n].value = v; }
  Value VarValue(std::string_view name);

  void At(const Node* n) { node_ = n; }
  void Step();
  void ChargeWork(uint64_t bytes);
  [[noreturn]] void Errorf(const std::string& msg);
  [[noreturn]] void Exhausted(const std::string& msg);

  const Tree& tree_;
  const Limits& limits_;
  std::pmr::memory_resource* mr_;
  SecretString& out_;
  std::pmr::vector<Var> vars_;
  const Node* node_ = nullptr;
  uint64_t steps_ = 0;
  uint64_t iterations_ = 0;
  uint64_t work_bytes_ = 0;
};

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_SRC_EXECUTOR_INTERNAL_HPP_
