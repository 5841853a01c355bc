// vsecm-sentinel's command line: VSecM's `safe` flags (short and long), the identity and URL
// flags every client takes, and the `init` subcommand.
#ifndef VSECM_APPS_SENTINEL_CLI_ARGS_HPP_
#define VSECM_APPS_SENTINEL_CLI_ARGS_HPP_

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel_command.hpp"
#include "vsecm/client/client_options.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

enum class CliMode {
  kHelp,       // -h/--help
  kCommand,    // upsert, delete or encrypt-only (SentinelCommand)
  kList,       // -l/--list (with -e or --reveal: encrypted values)
  kInputKeys,  // -i/--input-keys
  kInit,       // `init`: run the init command file once
};

struct CliArgs {
  CliMode mode = CliMode::kCommand;
  SentinelCommand command;  // -s VALUE is copied straight into command.secret
  bool secret_from_stdin = false;       // -s -
  std::vector<size_t> sensitive_args;   // indexes into args to wipe: the -s / -i values
  bool json = false;                    // --json (with -l)
  bool reveal = false;                  // -l -e, or --reveal
  std::string input_keys;               // -i: a file, or "-" for stdin
  kernel::SecretBytes input_keys_text;  // -i given the key text itself, as VSecM takes it
  std::string init_file;                // init --file (default from the environment)
  bool keep_running = false;            // init --keep-running
  bool init_help = false;               // init --help
  client::ClientOptions client;         // --safe-url, --svid-dir, --spiffe-socket
};

// `args` is argv without the program name. INVALID_ARGUMENT names the offending flag.
StatusOr<CliArgs> ParseCliArgs(std::span<const std::string_view> args);

extern const char* const kSentinelUsage;
extern const char* const kInitUsage;

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_CLI_ARGS_HPP_
