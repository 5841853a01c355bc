// YAML → flat (key path, value) entries, checked against the schema's shape. yaml-cpp stays
// inside this file. yaml-cpp keeps duplicate keys (and answers node["k"] with the first), so
// duplicates are found here by walking every pair; it reports no types for plain scalars, so
// they are classified by the YAML 1.2 core schema (`yes` is a string, not a boolean).
#include <map>
#include <sstream>
#include <string>
#include <string_view>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "config_internal.hpp"

namespace vsecm::kernel::config_internal {
namespace {

constexpr std::string_view kPlainTag = "?";
constexpr std::string_view kQuotedTag = "!";
constexpr std::string_view kStrTag = "tag:yaml.org,2002:str";

class Walker {
 public:
  Walker(const std::string& source, ErrorList& errors) : source_(source), errors_(errors) {}

  void Section(const YAML::Node& map, const std::string& path);
  void Settings(const YAML::Node& map, const std::string& path);

  std::vector<FileEntry>& entries() { return entries_; }

  std::string Where(const YAML::Mark& mark) const {
    return mark.line >= 0 ? fmt::format("{}:{}", source_, mark.line + 1) : source_;
  }

  // The kind and text of `node`; false (with a message) for a tag this reader does not take.
  bool Value(const YAML::Node& node, ConfigValue* out, std::string* error) const;

 private:
  // The text of a map key, or false after recording why it is not usable.
  bool Key(const YAML::Node& key, const std::string& parent, std::string* out);
  // Records the key and reports whether it was already present in this map.
  bool Duplicate(std::map<std::string, int>& seen, const std::string& key, const YAML::Mark& mark,
                 const std::string& path);

  const std::string& source_;
  std::vector<FileEntry> entries_;
  ErrorList& errors_;
};

std::string Join(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

bool Walker::Value(const YAML::Node& node, ConfigValue* out, std::string* error) const {
  out->origin = Where(node.Mark());
  out->text.clear();
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: out->kind = ConfigValue::Kind::kNull; return true;
    case YAML::NodeType::Sequence: out->kind = ConfigValue::Kind::kSequence; return true;
    case YAML::NodeType::Map: out->kind = ConfigValue::Kind::kMap; return true;
    case YAML::NodeType::Scalar: break;
  }
  const std::string& tag = node.Tag();
  out->text = node.Scalar();
  if (tag == kPlainTag) {
    out->kind = ClassifyPlainScalar(out->text);
  } else if (tag == kQuotedTag || tag == kStrTag) {
    out->kind = ConfigValue::Kind::kString;
  } else {
    *error = fmt::format("unsupported YAML tag {}; write the value plain or quoted", Quote(tag));
    return false;
  }
  return true;
}

bool Walker::Key(const YAML::Node& key, const std::string& parent, std::string* out) {
  ConfigValue value;
  std::string error;
  std::string where = Where(key.Mark());
  std::string context = parent.empty() ? "top level" : parent;
  if (!Value(key, &value, &error)) {
    errors_.Add(Located(where, context, error));
    return false;
  }
  if (value.kind == ConfigValue::Kind::kSequence || value.kind == ConfigValue::Kind::kMap) {
    errors_.Add(
        Located(where, context,
                fmt::format("a key must be a word, found {}", ConfigValueKindName(value.kind))));
    return false;
  }
  if (value.kind == ConfigValue::Kind::kNull || value.text.empty()) {
    errors_.Add(Located(where, context, "empty key"));
    return false;
  }
  *out = std::move(value.text);
  return true;
}

bool Walker::Duplicate(std::map<std::string, int>& seen, const std::string& key,
                       const YAML::Mark& mark, const std::string& path) {
  auto [it, inserted] = seen.emplace(key, mark.line + 1);
  if (inserted) return false;
  errors_.Add(
      Located(Where(mark), path, fmt::format("duplicate key (first set on line {})", it->second)));
  return true;
}

void Walker::Section(const YAML::Node& map, const std::string& path) {
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key;
    if (!Key(it->first, path, &key)) continue;
    const std::string child = Join(path, key);
    const std::string where = Where(it->first.Mark());
    if (Duplicate(seen, key, it->first.Mark(), child)) continue;

    const KeyRule* rule = FindRule(child);
    if (rule == nullptr) {
      std::vector<std::string> accepted = ChildNames(path);
      errors_.Add(Located(where, child,
                          fmt::format("unknown key{}; accepted here: {}", Suggestion(key, accepted),
                                      JoinWords(accepted))));
      continue;
    }
    const YAML::Node node = it->second;  // a copy: it-> yields a temporary proxy
    ConfigValue value;
    std::string error;
    if (!Value(node, &value, &error)) {
      errors_.Add(Located(where, child, error));
      continue;
    }
    value.origin = where;  // the key's line is where an operator looks
    if (value.kind == ConfigValue::Kind::kNull) continue;  // `key:` with nothing = not set

    switch (rule->shape) {
      case Shape::kSection:
        if (value.kind != ConfigValue::Kind::kMap) {
          errors_.Add(
              Located(where, child,
                      fmt::format("expected a map with keys {}, found {}",
                                  JoinWords(ChildNames(child)), ConfigValueKindName(value.kind))));
        } else {
          Section(node, child);
        }
        break;
      case Shape::kSettings:
        if (value.kind != ConfigValue::Kind::kMap) {
          errors_.Add(Located(where, child,
                              fmt::format("expected a map of the plugin's settings, found {}",
                                          ConfigValueKindName(value.kind))));
        } else {
          Settings(node, child);
        }
        break;
      case Shape::kScalar:
        if (value.kind == ConfigValue::Kind::kMap || value.kind == ConfigValue::Kind::kSequence) {
          errors_.Add(Located(where, child,
                              fmt::format("expected {}, found {}", rule->info.type,
                                          ConfigValueKindName(value.kind))));
        } else {
          entries_.push_back({child, std::move(value)});
        }
        break;
    }
  }
}

void Walker::Settings(const YAML::Node& map, const std::string& path) {
  std::map<std::string, int> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key;
    if (!Key(it->first, path, &key)) continue;
    const std::string child = Join(path, key);
    if (Duplicate(seen, key, it->first.Mark(), child)) continue;
    ConfigValue value;
    std::string error;
    if (!Value(it->second, &value, &error)) {
      errors_.Add(Located(Where(it->first.Mark()), child, error));
      continue;
    }
    // Nested maps and lists are kept as kinds only: ResolvePluginSettings reports them against
    // the type the plugin declares, and unknown keys get the better message there.
    value.origin = Where(it->first.Mark());
    entries_.push_back({child, std::move(value)});
  }
}

// Counts the documents of a stream without building them, and at most kMaxDocuments + 1 of
// them. yaml-cpp 0.7's LoadAll never returns on some malformed input: its parser keeps
// reporting empty documents after it, and LoadAll keeps collecting them until memory runs out
// (found by tests/fuzz/config_loader_fuzz). So the documents are counted first, boundedly,
// and only the first one is built (YAML::Load).
constexpr size_t kMaxDocuments = 100;

struct DocumentCount {
  size_t count = 0;
  YAML::Mark second = YAML::Mark::null_mark();  // the second document's root node, or start
};

class DocumentCounter final : public YAML::EventHandler {
 public:
  explicit DocumentCounter(DocumentCount& out) : out_(out) {}
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++out_.count == 2) out_.second = mark;
    at_root_ = out_.count == 2;
  }
  void OnDocumentEnd() override { at_root_ = false; }
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

 private:
  void Node(const YAML::Mark& mark) {
    if (at_root_) out_.second = mark;
    at_root_ = false;
  }

  DocumentCount& out_;
  bool at_root_ = false;
};

// Throws YAML::Exception for a syntax error, as LoadAll would.
DocumentCount CountDocuments(const std::string& input) {
  DocumentCount result;
  std::istringstream stream(input);
  YAML::Parser parser(stream);
  DocumentCounter counter(result);
  while (result.count <= kMaxDocuments && parser.HandleNextDocument(counter)) {
  }
  return result;
}

}  // namespace

StatusOr<std::vector<FileEntry>> ParseConfigYaml(std::string_view text, const std::string& source,
                                                 ErrorList& errors) {
  Walker walker(source, errors);
  try {
    const std::string input(text);
    const DocumentCount documents = CountDocuments(input);
    if (documents.count == 0) return std::vector<FileEntry>{};  // empty or only comments
    if (documents.count > kMaxDocuments) {
      return InvalidArgument(fmt::format(
          "{}: invalid YAML: what follows the first document is neither a document nor the end "
          "of the file", walker.Where(documents.second)));
    }
    if (documents.count > 1) {
      return InvalidArgument(fmt::format(
          "{}: {} YAML documents; a configuration file holds one (remove the second '---')",
          walker.Where(documents.second), documents.count));
    }
    const YAML::Node root = YAML::Load(input);
    if (root.IsNull()) return std::vector<FileEntry>{};
    if (!root.IsMap()) {
      ConfigValue value;
      std::string ignored;
      walker.Value(root, &value, &ignored);
      return InvalidArgument(
          fmt::format("{}: expected a map of settings at the top level, found {}",
                      walker.Where(root.Mark()), ConfigValueKindName(value.kind)));
    }
    walker.Section(root, "");
  } catch (const YAML::Exception& e) {
    // yaml-cpp's marks are zero-based; editors count from one.
    if (e.mark.is_null()) {
      return InvalidArgument(fmt::format("{}: invalid YAML: {}", source, e.msg));
    }
    return InvalidArgument(fmt::format("{}:{}:{}: invalid YAML: {}", source, e.mark.line + 1,
                                       e.mark.column + 1, e.msg));
  }
  return std::move(walker.entries());
}

}  // namespace vsecm::kernel::config_internal
