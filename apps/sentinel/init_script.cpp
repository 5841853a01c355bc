#include "init_script.hpp"

#include <charconv>

#include <fmt/format.h>

namespace vsecm::sentinel {
namespace {

std::string_view Trim(std::string_view s) {
  // Go's strings.TrimSpace, for the ASCII blanks a file holds.
  constexpr std::string_view kBlanks = " \t\r\n\v\f";
  const size_t first = s.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(kBlanks) - first + 1);
}

std::vector<std::string> SplitItems(std::string_view value) {
  // Go's strings.SplitN(value, ",", -1): empty items stay (the Safe refuses them by name).
  std::vector<std::string> items;
  for (;;) {
    size_t comma = value.find(',');
    items.emplace_back(value.substr(0, comma));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return items;
}

}  // namespace

InitScript ParseInitScript(std::string_view text) {
  InitScript script;
  InitStep block;
  bool block_open = false;
  int line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    const std::string_view line = Trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.empty()) continue;
    if (line == "exit" || line.substr(0, 5) == "exit:") {
      // VSecM's chart writes "exit:true"; both spellings stop here.
      script.exit_seen = true;
      break;
    }
    if (line == "--") {
      block.line = line_number;
      script.steps.push_back(std::move(block));
      block = InitStep();
      block_open = false;
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      script.warnings.push_back(fmt::format("line {}: not a \"key:value\" line; skipped", line_number));
      continue;
    }
    const std::string_view key = line.substr(0, colon);
    const std::string_view value = line.substr(colon + 1);
    SentinelCommand& c = block.command;
    block_open = true;
    if (key == "w") {
      c.workloads = SplitItems(value);
    } else if (key == "n") {
      c.namespaces = SplitItems(value);
    } else if (key == "s") {
      c.secret = kernel::SecretBytes::CopyOf(value);
      c.has_secret = true;
    } else if (key == "t") {
      c.template_text = std::string(value);
    } else if (key == "f") {
      c.format = std::string(value);
    } else if (key == "e") {
      c.encrypt = true;
    } else if (key == "d") {
      c.delete_secret = true;
    } else if (key == "N") {
      c.not_before = std::string(value);
    } else if (key == "E") {
      c.expires = std::string(value);
    } else if (key == "sleep") {
      int ms = 0;
      auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), ms);
      if (ec != std::errc() || ptr != value.data() + value.size() || ms < 0) {
        // VSecM logs the parse error and sleeps 0 ms.
        script.warnings.push_back(
            fmt::format("line {}: sleep needs milliseconds; sleeping 0 ms", line_number));
        ms = 0;
      }
      block.sleep_ms = ms;
    } else if (key == "i") {
      script.warnings.push_back(fmt::format(
          "line {}: \"i\" (root keys) cannot be given in an init file (a root key has three "
          "lines); use vsecm-sentinel -i FILE; ignored",
          line_number));
    } else {
      script.warnings.push_back(fmt::format("line {}: unknown command \"{}\" ignored", line_number,
                                            key.substr(0, 32)));
    }
  }
  if (block_open && !script.exit_seen) {
    script.warnings.push_back(fmt::format(
        "the last block is not closed by a \"--\" line and was not applied (line {})", line_number));
  }
  return script;
}

}  // namespace vsecm::sentinel
