// The parse tree of a template (text/template/parse/node.go). Templates are not secret: the
// tree lives in ordinary memory.
#ifndef VSECM_TRANSFORM_AST_HPP_
#define VSECM_TRANSFORM_AST_HPP_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace vsecm::transform {

enum class NodeType {
  kText, kAction, kBool, kChain, kCommand, kDot, kField, kIdentifier, kIf, kList, kNil, kNumber,
  kPipe, kRange, kString, kVariable, kWith, kBreak, kContinue, kElse, kEnd,
};

struct Node {
  NodeType type = NodeType::kText;
  size_t pos = 0;  // byte offset in the template

  std::string text;               // Text: text; String: value; Identifier: name; Number: source
  std::string quoted;             // String: the literal as written
  std::vector<std::string> ident; // Field: names without dots; Variable: "$x" then fields;
                                  // Chain: the fields applied to `pipe`
  bool boolean = false;           // Bool

  // Number: which Go types the constant fits, as NumberNode does.
  bool is_int = false, is_uint = false, is_float = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0;

  std::vector<Node*> nodes;  // List: items; Command: arguments; Pipe: commands
  std::vector<Node*> decl;   // Pipe: variables declared or assigned
  bool is_assign = false;    // Pipe: "=" rather than ":="
  Node* pipe = nullptr;      // Action, If, Range, With; Chain: the term the fields apply to
  Node* list = nullptr;      // If, Range, With
  Node* else_list = nullptr; // If, Range, With
};

struct Tree {
  std::string text;  // the template source, for error positions
  Node* root = nullptr;
  std::vector<std::unique_ptr<Node>> arena;

  Node* New(NodeType type, size_t pos) {
    auto node = std::make_unique<Node>();
    node->type = type;
    node->pos = pos;
    arena.push_back(std::move(node));
    return arena.back().get();
  }
};

// Go's Node.String(): the node written back as template source.
std::string NodeString(const Node& n);

// "secret:LINE:COL" for a byte offset, as Go's ErrorContext computes it (COL is the byte
// offset within the line, counted from 0).
std::string Location(const std::string& text, size_t pos);

}  // namespace vsecm::transform

#endif  // VSECM_TRANSFORM_AST_HPP_
