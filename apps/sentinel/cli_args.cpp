#include "cli_args.hpp"

#include <optional>

namespace vsecm::sentinel {

const char* const kSentinelUsage = R"(usage: vsecm-sentinel [flags]            (VSecM's `safe` command)
       vsecm-sentinel init [--file PATH] [--keep-running] [connection flags]

Assigns secrets to workloads in the VSecM Safe.

  -w, --workload NAME     the workload (the secret's name); repeat for several
  -s, --secret VALUE      the secret; "-s -" reads it from stdin, keeping it out of argv and
                          ps output (one final newline is dropped). "gen:PATTERN" generates
                          it: gen:{"pass":"[a-zA-Z0-9]{16}"}
  -n, --namespace NS      the workload's namespace; repeatable (default: default)
  -t, --template TEXT     a Go template applied to the secret when it is JSON
  -f, --format FORMAT     the output format for the workload: json, yaml, raw or none
  -e, --encrypt           with -s alone: print the secret encrypted with the Safe's key and
                          store nothing; with -w and -s: the secret is such a cipher text
  -d, --delete            delete the secret of the workloads given with -w
  -l, --list              list the secrets (no values); with -e or --reveal, their values
                          encrypted with the Safe's key
      --json              with -l: print JSON instead of a table
      --reveal            the same as -l -e
  -E, --exp TIME          the secret expires at TIME (RFC 3339), or "never" (default)
  -N, --nbf TIME          the secret is not valid before TIME (RFC 3339), or "now" (default)
  -i, --input-keys FILE   send the root key (three lines: age secret key, age public key, AES
                          key) from FILE, or "-" for stdin, to a Safe in manual key mode
  -h, --help              this help

connection:
)";

const char* const kInitUsage = R"(usage: vsecm-sentinel init [--file PATH] [--keep-running] [connection flags]

Runs Sentinel's init commands once, as VSecM's Sentinel does at start: waits for the Safe,
then applies each block of the file (default $VSECM_SENTINEL_INIT_COMMAND_PATH or
/opt/vsecm-sentinel/init/data) and marks completion with the vsecm-keystone secret. Nothing
runs when the keystone is already there.

File format: blocks of "key:value" lines, each block closed by a line "--":
  w:NAME[,NAME...]   n:NS[,NS...]   s:VALUE   t:TEMPLATE   f:FORMAT   e:true   d:true
  N:TIME   E:TIME     sleep:MS (a block of its own)    exit (stop here; still mark completion)

Waits: VSECM_SENTINEL_INIT_COMMAND_WAIT_BEFORE_EXEC and ..._WAIT_AFTER_INIT_COMPLETE (ms).
Retries: VSECM_BACKOFF_DELAY, _MAX_RETRIES, _MAX_WAIT, _MODE.
  --keep-running        stay up after the commands ran (as VSecM's Sentinel container does)

connection:
)";

namespace {

struct Flag {
  char short_name;
  std::string_view long_name;
  bool takes_value;
};

constexpr Flag kFlags[] = {
    {'w', "workload", true},  {'s', "secret", true},   {'n', "namespace", true},
    {'t', "template", true},  {'f', "format", true},   {'E', "exp", true},
    {'N', "nbf", true},       {'i', "input-keys", true}, {'e', "encrypt", false},
    {'d', "delete", false},   {'l', "list", false},    {'h', "help", false},
    {'\0', "json", false},    {'\0', "reveal", false},
};

// Finds the flag args[i] names. `inline_value` gets the part after '=' of "--name=value".
const Flag* Lookup(std::string_view arg, std::optional<std::string_view>* inline_value) {
  if (arg.size() == 2 && arg[0] == '-' && arg[1] != '-') {
    for (const Flag& f : kFlags) {
      if (f.short_name == arg[1]) return &f;
    }
    return nullptr;
  }
  if (arg.substr(0, 2) != "--") return nullptr;
  std::string_view name = arg.substr(2);
  if (size_t eq = name.find('='); eq != std::string_view::npos) {
    *inline_value = name.substr(eq + 1);
    name = name.substr(0, eq);
  }
  for (const Flag& f : kFlags) {
    if (f.long_name == name) return &f;
  }
  return nullptr;
}

std::string FlagName(const Flag& f) {
  std::string name = f.short_name ? std::string("-") + f.short_name + "/" : std::string();
  return name + "--" + std::string(f.long_name);
}

// `out` already holds the connection flags given before "init".
StatusOr<CliArgs> ParseInit(std::span<const std::string_view> args, CliArgs out) {
  out.mode = CliMode::kInit;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (args[i] == "-h" || args[i] == "--help") {
      out.mode = CliMode::kHelp;
      out.init_help = true;
      return out;
    } else if (args[i] == "--keep-running") {
      out.keep_running = true;
    } else if (args[i] == "--file" || args[i].substr(0, 7) == "--file=") {
      std::string_view value;
      if (args[i] == "--file") {
        if (i + 1 >= args.size()) return InvalidArgument("--file needs a path");
        value = args[++i];
      } else {
        value = args[i].substr(7);
      }
      if (value.empty()) return InvalidArgument("--file needs a path");
      out.init_file = std::string(value);
    } else if (client::TakeClientFlag(args, &i, &out.client, &error)) {
      if (!error.empty()) return InvalidArgument(error);
    } else {
      return InvalidArgument("init: unknown argument \"" + std::string(args[i]) + "\"");
    }
  }
  return out;
}

}  // namespace

StatusOr<CliArgs> ParseCliArgs(std::span<const std::string_view> args) {
  CliArgs out;
  // `init` may follow connection flags: vsecm-sentinel --svid-dir DIR init.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (args[i] == "init") return ParseInit(args.subspan(i + 1), std::move(out));
    if (!client::TakeClientFlag(args, &i, &out.client, &error)) break;
    if (!error.empty()) return InvalidArgument(error);
  }
  out.client = client::ClientOptions();
  SentinelCommand& c = out.command;
  bool list = false, help = false, have_template = false, have_format = false;
  bool have_exp = false, have_nbf = false, have_keys = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string error;
    if (client::TakeClientFlag(args, &i, &out.client, &error)) {
      if (!error.empty()) return InvalidArgument(error);
      continue;
    }
    std::optional<std::string_view> inline_value;
    const Flag* flag = Lookup(args[i], &inline_value);
    if (flag == nullptr) {
      if (!args[i].empty() && args[i][0] == '-') {
        return InvalidArgument("unknown flag \"" + std::string(args[i]) + "\" (see --help)");
      }
      return InvalidArgument("unexpected argument \"" + std::string(args[i].substr(0, 64)) +
                             "\" (values follow their flag, e.g. -w NAME)");
    }
    if (!flag->takes_value && inline_value) {
      return InvalidArgument(FlagName(*flag) + " takes no value");
    }
    std::string_view value;
    size_t value_index = i;
    if (flag->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else {
        if (i + 1 >= args.size()) return InvalidArgument(FlagName(*flag) + " needs a value");
        value_index = ++i;
        value = args[i];
      }
    }
    auto once = [&](bool* seen) -> Status {
      if (*seen) return InvalidArgument(FlagName(*flag) + " given more than once");
      *seen = true;
      return Status::Ok();
    };
    switch (flag->short_name) {
      case 'w':
        if (value.empty()) return InvalidArgument("-w/--workload needs a non-empty name");
        c.workloads.emplace_back(value);
        break;
      case 'n':
        if (value.empty()) return InvalidArgument("-n/--namespace needs a non-empty name");
        c.namespaces.emplace_back(value);
        break;
      case 's':
        VSECM_RETURN_IF_ERROR(once(&c.has_secret));
        out.sensitive_args.push_back(value_index);
        if (value == "-") {
          out.secret_from_stdin = true;
        } else {
          c.secret = kernel::SecretBytes::CopyOf(value);
        }
        break;
      case 't':
        VSECM_RETURN_IF_ERROR(once(&have_template));
        c.template_text = std::string(value);
        break;
      case 'f':
        VSECM_RETURN_IF_ERROR(once(&have_format));
        c.format = std::string(value);
        break;
      case 'E':
        VSECM_RETURN_IF_ERROR(once(&have_exp));
        c.expires = std::string(value);
        break;
      case 'N':
        VSECM_RETURN_IF_ERROR(once(&have_nbf));
        c.not_before = std::string(value);
        break;
      case 'i':
        VSECM_RETURN_IF_ERROR(once(&have_keys));
        if (value.empty()) return InvalidArgument("-i/--input-keys needs a file, or - for stdin");
        out.sensitive_args.push_back(value_index);
        if (value.substr(0, 15) == "AGE-SECRET-KEY-") {
          out.input_keys_text = kernel::SecretBytes::CopyOf(value);
        } else {
          out.input_keys = std::string(value);
        }
        break;
      case 'e':
        c.encrypt = true;
        break;
      case 'd':
        c.delete_secret = true;
        break;
      case 'l':
        list = true;
        break;
      case 'h':
        help = true;
        break;
      default:
        if (flag->long_name == "json") out.json = true;
        if (flag->long_name == "reveal") out.reveal = list = true;
        break;
    }
  }
  if (help) {
    out.mode = CliMode::kHelp;
  } else if (list) {
    out.mode = CliMode::kList;
    out.reveal = out.reveal || c.encrypt;  // VSecM: `safe -l -e`
  } else if (out.json) {
    return InvalidArgument("--json goes with -l/--list");
  } else if (have_keys) {
    out.mode = CliMode::kInputKeys;
  } else {
    out.mode = CliMode::kCommand;
  }
  return out;
}

}  // namespace vsecm::sentinel
