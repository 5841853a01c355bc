#include "command.hpp"

#include <cstdio>

namespace vsecm::keygen {

int Fail(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "vsecm-keygen: %.*s: %.*s\n", static_cast<int>(command.size()),
               command.data(), static_cast<int>(message.size()), message.data());
  return kExitFailure;
}

int UsageError(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "vsecm-keygen: %.*s: %.*s (see 'vsecm-keygen %.*s --help')\n",
               static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data(),
               static_cast<int>(command.size()), command.data());
  return kExitUsage;
}

bool IsHelp(std::string_view arg) { return arg == "-h" || arg == "--help"; }

bool TakeOption(std::span<const std::string_view> args, size_t* i, std::string_view name,
                std::string_view short_name, std::optional<std::string>* value,
                std::string* error) {
  const std::string_view arg = args[*i];
  std::optional<std::string_view> inline_value;
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name &&
      arg[name.size()] == '=') {
    inline_value = arg.substr(name.size() + 1);
  } else if (arg != name && (short_name.empty() || arg != short_name)) {
    return false;
  }
  if (value->has_value()) {
    *error = std::string(name) + " given more than once";
    return true;
  }
  if (inline_value) {
    *value = std::string(*inline_value);
  } else if (*i + 1 < args.size()) {
    *value = std::string(args[++*i]);
  } else {
    *error = std::string(arg) + " needs a value";
    return true;
  }
  if ((*value)->empty()) *error = std::string(name) + " needs a non-empty value";
  return true;
}

}  // namespace vsecm::keygen
