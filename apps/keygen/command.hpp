// The subcommands of vsecm-keygen and the small helpers they share (exit codes, error lines,
// option parsing). Each subcommand lives in its own file and is listed in main.cpp's table.
#ifndef VSECM_APPS_KEYGEN_COMMAND_HPP_
#define VSECM_APPS_KEYGEN_COMMAND_HPP_

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace vsecm::keygen {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the work failed: a wrong key, a corrupt file, I/O
inline constexpr int kExitUsage = 2;    // the command line is wrong

// A subcommand: its arguments are those after its name.
struct Command {
  std::string_view name;
  std::string_view summary;  // one line for the top-level help
  int (*run)(std::span<const std::string_view> args);
};

int RunGenerate(std::span<const std::string_view> args);
int RunDecrypt(std::span<const std::string_view> args);
int RunEncrypt(std::span<const std::string_view> args);
int RunSvid(std::span<const std::string_view> args);

// Prints "vsecm-keygen: <command>: <message>" on stderr and returns kExitFailure.
int Fail(std::string_view command, std::string_view message);

// Prints "vsecm-keygen: <command>: <message>" and a pointer to --help; returns kExitUsage.
int UsageError(std::string_view command, std::string_view message);

// True for "-h" and "--help".
bool IsHelp(std::string_view arg);

// Matches option `name` (and `short_name` when not empty) at args[*i], in the forms
// "--name value", "--name=value" and "-n value". On a match advances *i past the value and
// stores it; a missing value or a repeated option sets *error. Returns whether it matched.
bool TakeOption(std::span<const std::string_view> args, size_t* i, std::string_view name,
                std::string_view short_name, std::optional<std::string>* value,
                std::string* error);

}  // namespace vsecm::keygen

#endif  // VSECM_APPS_KEYGEN_COMMAND_HPP_
