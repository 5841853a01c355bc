#include "vsecm/transform/parser.hpp"

#include <algorithm>
#include <array>

#include "vsecm/transform/lexer.hpp"

namespace vsecm::transform {

bool IsBuiltinFunction(std::string_view name) {
  static constexpr std::array<std::string_view, 19> kNames = {
      "and", "call", "html", "index", "js", "len", "not", "or", "print", "printf", "println",
      "slice", "urlquery", "eq", "ge", "gt", "le", "lt", "ne"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

namespace {

// Unwinds the recursive descent on the first error; caught in ParseTemplate.
struct ParseError {
  Status status;
};

class Parser {
 public:
  Parser(std::string_view text, const Limits& limits) : limits_(limits) {
    tree_ = std::make_unique<Tree>();
    tree_->text = std::string(text);
    items_ = Lex(text);
  }

  std::unique_ptr<Tree> Parse() {
    Node* root = tree_->New(NodeType::kList, Peek().pos);
    tree_->root = root;
    while (Peek().type != ItemType::kEOF) {
      if (Peek().type == ItemType::kLeftDelim) {
        const size_t at = index_;
        Next();
        if (NextNonSpace().type == ItemType::kDefine) {
          Errorf("{{define}} is not supported: a secret template is one template");
        }
        index_ = at;
      }
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf("unexpected " + NodeString(*n));
      }
      root->nodes.push_back(n);
    }
    return std::move(tree_);
  }

 private:
  // ---- tokens
  const Item& Next() {
    const Item& it = items_[std::min(index_, items_.size() - 1)];
    if (index_ < items_.size()) ++index_;
    last_pos_ = it.pos;
    return it;
  }
  void Backup(size_t n = 1) { index_ -= n; }
  const Item& Peek() { return items_[std::min(index_, items_.size() - 1)]; }
  const Item& NextNonSpace() {
    for (;;) {
      const Item& it = Next();
      if (it.type != ItemType::kSpace) return it;
    }
  }
  const Item& PeekNonSpace() {
    const Item& it = NextNonSpace();
    Backup();
    return it;
  }
  const Item& Expect(ItemType t, const std::string& context) {
    const Item& it = NextNonSpace();
    if (it.type != t) Unexpected(it, context);
    return it;
  }

  [[noreturn]] void ErrorAt(size_t pos, const std::string& msg) {
    throw ParseError{InvalidArgument("template: " + Location(tree_->text, pos) + ": " + msg)};
  }
  [[noreturn]] void Errorf(const std::string& msg) { ErrorAt(last_pos_, msg); }
  [[noreturn]] void Unexpected(const Item& it, const std::string& context) {
    if (it.type == ItemType::kError) ErrorAt(it.pos, it.val);
    ErrorAt(it.pos, "unexpected " + ItemString(it) + " in " + context);
  }

  void Enter() {
    if (++depth_ > limits_.max_depth) {
      throw ParseError{ResourceExhausted("template: " + Location(tree_->text, last_pos_) +
                                         ": the template nests deeper than max_depth (" +
                                         std::to_string(limits_.max_depth) + ")")};
    }
  }

  // ---- structure
  Node* TextOrAction() {
    const Item& it = NextNonSpace();
    switch (it.type) {
      case ItemType::kText: {
        Node* n = tree_->New(NodeType::kText, it.pos);
        n->text = it.val;
        return n;
      }
      case ItemType::kLeftDelim: return Action();
      default: Unexpected(it, "input");
    }
  }

  Node* Action() {
    const Item& it = NextNonSpace();
    switch (it.type) {
      case ItemType::kBlock: Errorf("{{block}} is not supported: a secret template is one template");
      case ItemType::kTemplate: Errorf("{{template}} is not supported: a secret template is one template");
      case ItemType::kBreak: return LoopControl(NodeType::kBreak, it.pos, "{{break}}");
      case ItemType::kContinue: return LoopControl(NodeType::kContinue, it.pos, "{{continue}}");
      case ItemType::kElse: return ElseControl();
      case ItemType::kEnd: return tree_->New(NodeType::kEnd, Expect(ItemType::kRightDelim, "end").pos);
      case ItemType::kIf: return Control(NodeType::kIf, "if");
      case ItemType::kRange: return Control(NodeType::kRange, "range");
      case ItemType::kWith: return Control(NodeType::kWith, "with");
      default: break;
    }
    Backup();
    Node* n = tree_->New(NodeType::kAction, Peek().pos);
    n->pipe = Pipeline("command", ItemType::kRightDelim);
    return n;
  }

  Node* LoopControl(NodeType type, size_t pos, const std::string& what) {
    const Item& it = NextNonSpace();
    if (it.type != ItemType::kRightDelim) Unexpected(it, what);
    if (range_depth_ == 0) Errorf(what + " outside {{range}}");
    return tree_->New(type, pos);
  }

  Node* ElseControl() {
    const Item& peek = PeekNonSpace();
    if (peek.type == ItemType::kIf || peek.type == ItemType::kWith) {
      return tree_->New(NodeType::kElse, peek.pos);
    }
    return tree_->New(NodeType::kElse, Expect(ItemType::kRightDelim, "else").pos);
  }

  Node* Control(NodeType type, const std::string& context) {
    Enter();
    const size_t vars_mark = vars_.size();
    Node* n = tree_->New(type, 0);
    n->pipe = Pipeline(context, ItemType::kRightDelim);
    n->pos = n->pipe->pos;
    if (type == NodeType::kRange) ++range_depth_;
    Node* next = nullptr;
    n->list = ItemList(&next);
    if (type == NodeType::kRange) --range_depth_;
    if (next->type == NodeType::kElse) {
      // {{else if x}} is {{else}}{{if x}}...{{end}}{{end}} with the last {{end}} shared.
      if (type == NodeType::kIf && Peek().type == ItemType::kIf) {
        Next();
        n->else_list = tree_->New(NodeType::kList, next->pos);
        n->else_list->nodes.push_back(Control(NodeType::kIf, "if"));
      } else if (type == NodeType::kWith && Peek().type == ItemType::kWith) {
        Next();
        n->else_list = tree_->New(NodeType::kList, next->pos);
        n->else_list->nodes.push_back(Control(NodeType::kWith, "with"));
      } else {
        n->else_list = ItemList(&next);
        if (next->type != NodeType::kEnd) Errorf("expected end; found " + NodeString(*next));
      }
    }
    vars_.resize(vars_mark);
    --depth_;
    return n;
  }

  Node* ItemList(Node** next) {
    Node* list = tree_->New(NodeType::kList, PeekNonSpace().pos);
    while (PeekNonSpace().type != ItemType::kEOF) {
      Node* n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        *next = n;
        return list;
      }
      list->nodes.push_back(n);
    }
    Errorf("unexpected EOF");
  }

  Node* Pipeline(const std::string& context, ItemType end) {
    Node* pipe = tree_->New(NodeType::kPipe, PeekNonSpace().pos);
    for (;;) {  // declarations: $x :=, $x =, $i, $v :=
      const Item& v = PeekNonSpace();
      if (v.type != ItemType::kVariable) break;
      const size_t at = index_;
      NextNonSpace();
      const Item& next = PeekNonSpace();
      if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
        pipe->is_assign = next.type == ItemType::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
        break;
      }
      if (next.type == ItemType::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v.pos, v.val));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          ItemType t = PeekNonSpace().type;
          if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen) {
            continue;
          }
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + context);
      }
      index_ = at;  // an operand, not a declaration
      break;
    }
    for (;;) {
      const Item& it = NextNonSpace();
      if (it.type == end) {
        CheckPipeline(pipe, context);
        return pipe;
      }
      switch (it.type) {
        case ItemType::kBool: case ItemType::kCharConstant: case ItemType::kComplex:
        case ItemType::kDot: case ItemType::kField: case ItemType::kIdentifier:
        case ItemType::kNumber: case ItemType::kNil: case ItemType::kRawString:
        case ItemType::kString: case ItemType::kVariable: case ItemType::kLeftParen:
          Backup();
          pipe->nodes.push_back(Command());
          break;
        default: Unexpected(it, context);
      }
    }
  }

  void CheckPipeline(Node* pipe, const std::string& context) {
    if (pipe->nodes.empty()) Errorf("missing value for " + context);
    for (size_t i = 1; i < pipe->nodes.size(); ++i) {
      switch (pipe->nodes[i]->nodes[0]->type) {
        case NodeType::kBool: case NodeType::kDot: case NodeType::kNil: case NodeType::kNumber:
        case NodeType::kString:
          Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
        default: break;
      }
    }
  }

  Node* Command() {
    Node* cmd = tree_->New(NodeType::kCommand, PeekNonSpace().pos);
    for (;;) {
      PeekNonSpace();
      if (Node* operand = Operand()) cmd->nodes.push_back(operand);
      const Item& it = Next();
      if (it.type == ItemType::kSpace) continue;
      if (it.type == ItemType::kRightDelim || it.type == ItemType::kRightParen) {
        Backup();
      } else if (it.type != ItemType::kPipe) {
        Unexpected(it, "operand");
      }
      break;
    }
    if (cmd->nodes.empty()) Errorf("empty command");
    return cmd;
  }

  Node* Operand() {
    Node* node = Term();
    if (node == nullptr) return nullptr;
    if (Peek().type == ItemType::kField) {
      Node* chain = tree_->New(NodeType::kChain, Peek().pos);
      chain->pipe = node;
      while (Peek().type == ItemType::kField) chain->ident.push_back(Next().val.substr(1));
      switch (node->type) {
        case NodeType::kField: {
          Node* f = tree_->New(NodeType::kField, chain->pos);
          f->ident = node->ident;
          f->ident.insert(f->ident.end(), chain->ident.begin(), chain->ident.end());
          return f;
        }
        case NodeType::kVariable: {
          Node* v = tree_->New(NodeType::kVariable, chain->pos);
          v->ident = node->ident;
          v->ident.insert(v->ident.end(), chain->ident.begin(), chain->ident.end());
          return v;
        }
        case NodeType::kBool: case NodeType::kString: case NodeType::kNumber:
        case NodeType::kNil: case NodeType::kDot:
          Errorf("unexpected . after term " + GoQuote(NodeString(*node)));
        default: return chain;
      }
    }
    return node;
  }

  Node* Term() {
    const Item& it = NextNonSpace();
    switch (it.type) {
      case ItemType::kIdentifier: {
        if (!IsBuiltinFunction(it.val)) Errorf("function " + GoQuote(it.val) + " not defined");
        Node* n = tree_->New(NodeType::kIdentifier, it.pos);
        n->text = it.val;
        return n;
      }
      case ItemType::kDot: return tree_->New(NodeType::kDot, it.pos);
      case ItemType::kNil: return tree_->New(NodeType::kNil, it.pos);
      case ItemType::kVariable: return UseVar(it.pos, it.val);
      case ItemType::kField: {
        Node* n = tree_->New(NodeType::kField, it.pos);
        n->ident.push_back(it.val.substr(1));
        return n;
      }
      case ItemType::kBool: {
        Node* n = tree_->New(NodeType::kBool, it.pos);
        n->boolean = it.val == "true";
        return n;
      }
      case ItemType::kCharConstant: case ItemType::kComplex: case ItemType::kNumber: {
        Node* n = tree_->New(NodeType::kNumber, it.pos);
        std::string error;
        if (!ParseNumberLiteral(it.val, it.type == ItemType::kCharConstant, *n, error)) Errorf(error);
        return n;
      }
      case ItemType::kLeftParen: {
        Enter();
        Node* p = Pipeline("parenthesized pipeline", ItemType::kRightParen);
        --depth_;
        return p;
      }
      case ItemType::kString: case ItemType::kRawString: {
        Node* n = tree_->New(NodeType::kString, it.pos);
        n->quoted = it.val;
        if (!UnquoteString(it.val, n->text)) Errorf("invalid syntax");
        return n;
      }
      default:
        Backup();
        return nullptr;
    }
  }

  Node* NewVariable(size_t pos, const std::string& name) {
    Node* v = tree_->New(NodeType::kVariable, pos);
    size_t start = 0;
    for (;;) {
      size_t dot = name.find('.', start);
      v->ident.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    return v;
  }

  Node* UseVar(size_t pos, const std::string& name) {
    Node* v = NewVariable(pos, name);
    if (std::find(vars_.begin(), vars_.end(), v->ident[0]) == vars_.end()) {
      Errorf("undefined variable " + GoQuote(v->ident[0]));
    }
    return v;
  }

  const Limits& limits_;
  std::unique_ptr<Tree> tree_;
  std::vector<Item> items_;
  size_t index_ = 0;
  size_t last_pos_ = 0;
  int depth_ = 0;
  int range_depth_ = 0;
  std::vector<std::string> vars_{"$"};
};

}  // namespace

StatusOr<std::unique_ptr<Tree>> ParseTemplate(std::string_view text, const Limits& limits) {
  if (text.size() > limits.max_template_bytes) {
    return ResourceExhausted("the template is " + std::to_string(text.size()) +
                             " bytes, more than max_template_bytes (" +
                             std::to_string(limits.max_template_bytes) + ")");
  }
  try {
    return Parser(text, limits).Parse();
  } catch (const ParseError& e) {
    return e.status;
  }
}

}  // namespace vsecm::transform
