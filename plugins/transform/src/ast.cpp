#include "vsecm/transform/ast.hpp"

#include <algorithm>

namespace vsecm::transform {
namespace {

void Write(std::string& out, const Node* n);

void WritePipe(std::string& out, const Node* p) {
  for (size_t i = 0; i < p->decl.size(); ++i) {
    if (i > 0) out += ", ";
    Write(out, p->decl[i]);
  }
  if (!p->decl.empty()) out += p->is_assign ? " = " : " := ";
  for (size_t i = 0; i < p->nodes.size(); ++i) {
    if (i > 0) out += " | ";
    Write(out, p->nodes[i]);
  }
}

void WriteControl(std::string& out, const char* name, const Node* n) {
  out += "{{";
  out += name;
  out += " ";
  WritePipe(out, n->pipe);
  out += "}}";
  Write(out, n->list);
  if (n->else_list != nullptr) {
    out += "{{else}}";
    Write(out, n->else_list);
  }
  out += "{{end}}";
}

void Write(std::string& out, const Node* n) {
  if (n == nullptr) return;
  switch (n->type) {
    case NodeType::kText: out += n->text; break;
    case NodeType::kAction: out += "{{"; WritePipe(out, n->pipe); out += "}}"; break;
    case NodeType::kBool: out += n->boolean ? "true" : "false"; break;
    case NodeType::kChain:
      if (n->pipe->type == NodeType::kPipe) {
        out += "(";
        WritePipe(out, n->pipe);
        out += ")";
      } else {
        Write(out, n->pipe);
      }
      for (const auto& f : n->ident) out += "." + f;
      break;
    case NodeType::kCommand:
      for (size_t i = 0; i < n->nodes.size(); ++i) {
        if (i > 0) out += " ";
        if (n->nodes[i]->type == NodeType::kPipe) {
          out += "(";
          WritePipe(out, n->nodes[i]);
          out += ")";
        } else {
          Write(out, n->nodes[i]);
        }
      }
      break;
    case NodeType::kDot: out += "."; break;
    case NodeType::kField:
      for (const auto& f : n->ident) out += "." + f;
      break;
    case NodeType::kIdentifier: out += n->text; break;
    case NodeType::kIf: WriteControl(out, "if", n); break;
    case NodeType::kList:
      for (const Node* c : n->nodes) Write(out, c);
      break;
    case NodeType::kNil: out += "nil"; break;
    case NodeType::kNumber: out += n->text; break;
    case NodeType::kPipe: WritePipe(out, n); break;
    case NodeType::kRange: WriteControl(out, "range", n); break;
    case NodeType::kString: out += n->quoted; break;
    case NodeType::kVariable:
      for (size_t i = 0; i < n->ident.size(); ++i) {
        if (i > 0) out += ".";
        out += n->ident[i];
      }
      break;
    case NodeType::kWith: WriteControl(out, "with", n); break;
    case NodeType::kBreak: out += "{{break}}"; break;
    case NodeType::kContinue: out += "{{continue}}"; break;
    case NodeType::kElse: out += "{{else}}"; break;
    case NodeType::kEnd: out += "{{end}}"; break;
  }
}

}  // namespace

std::string NodeString(const Node& n) {
  std::string out;
  Write(out, &n);
  return out;
}

std::string Location(const std::string& text, size_t pos) {
  pos = std::min(pos, text.size());
  std::string_view before(text.data(), pos);
  size_t nl = before.rfind('\n');
  size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
  size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
  return "secret:" + std::to_string(line) + ":" + std::to_string(col);
}

}  // namespace vsecm::transform
