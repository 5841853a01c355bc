// vsecm-sentinel: VSecM's `safe` command — the operator's way to create, list, encrypt and
// delete secrets, hand the Safe its root key, and seed a cluster from an init command file.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_args.hpp"
#include "init_runner.hpp"
#include "list_output.hpp"
#include "secret_input.hpp"
#include "sentinel_command.hpp"
#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace {

using namespace vsecm;
using sentinel::CliArgs;
using sentinel::CliMode;

// Every failure is one line on stderr.
int Fail(const std::string& message, int code = 1) {
  std::string line = message;
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::cerr << "vsecm-sentinel: " << line << "\n";
  return code;
}

int Fail(const Status& status) { return Fail(status.message()); }

void Print(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

StatusOr<std::unique_ptr<client::SafeClient>> Connect(client::ClientOptions options,
                                                      const kernel::EnvLookup& env) {
  return client::SafeClient::Create(std::move(options), env);
}

int RunList(client::SafeClient& safe, const CliArgs& args) {
  if (args.reveal) {
    auto list = safe.ListEncrypted();
    if (!list.ok()) return Fail(list.status());
    if (!args.json && list->secrets.empty()) {
      std::cerr << "no secrets registered\n";
      return 0;
    }
    Print(args.json ? sentinel::FormatEncryptedJson(*list) : sentinel::FormatEncryptedTable(*list));
    return 0;
  }
  auto list = safe.List();
  if (!list.ok()) return Fail(list.status());
  if (!args.json && list->empty()) {
    std::cerr << "no secrets registered\n";
    return 0;
  }
  Print(args.json ? sentinel::FormatJson(*list) : sentinel::FormatTable(*list));
  return 0;
}

int RunInputKeys(client::SafeClient& safe, CliArgs& args) {
  kernel::SecretBytes text;
  if (!args.input_keys_text.empty()) {
    text = std::move(args.input_keys_text);
  } else {
    auto read = args.input_keys == "-" ? sentinel::ReadSecretFd(STDIN_FILENO, "stdin")
                                       : sentinel::ReadSecretFile(args.input_keys);
    if (!read.ok()) return Fail(read.status().message().empty() ? "cannot read the root key"
                                                                : read.status().message());
    text = std::move(read).value();
  }
  auto parts = sentinel::ParseRootKeyText(text.ExposeText());
  if (!parts.ok()) return Fail(parts.status());
  Status s = safe.PostRootKey(*parts);
  if (!s.ok()) return Fail(s);
  Print("OK\n");
  return 0;
}

int RunInit(CliArgs& args, const kernel::EnvLookup& env) {
  auto safe = Connect(args.client, env);
  if (!safe.ok()) return Fail(safe.status());
  sentinel::InitOptions options = sentinel::InitOptionsFromEnvironment(env, args.init_file);
  Status s = sentinel::RunInit(**safe, options, env);
  if (!s.ok()) return Fail(s);
  if (args.keep_running) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    int signal_number = 0;
    sigwait(&set, &signal_number);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Sentinel holds secrets in memory too: no core dumps, no ptrace from peers.
  if (Status s = kernel::HardenProcess(); !s.ok()) return Fail(s);
  const kernel::EnvLookup env = kernel::ProcessEnvironment();
  std::vector<std::string_view> views(argv + 1, argv + argc);
  StatusOr<CliArgs> parsed = sentinel::ParseCliArgs(views);
  if (!parsed.ok()) return Fail(parsed.status().message() + " (see vsecm-sentinel --help)", 2);
  CliArgs& args = *parsed;
  // An interactive command prints its answer and at most one error line; init, a long-running
  // start-up job, logs its progress.
  kernel::SetLogLevel(args.mode == CliMode::kInit ? kernel::LogLevel::kInfo : kernel::LogLevel::kError);
  if (const char* level = std::getenv("VSECM_LOG_LEVEL")) {
    kernel::LogLevel chosen;
    if (kernel::ParseLogLevel(level, &chosen)) kernel::SetLogLevel(chosen);
  }
  // The values are in secure memory now; take them out of /proc/PID/cmdline as well.
  for (size_t index : args.sensitive_args) kernel::Wipe(argv[index + 1], views[index].size());

  if (args.mode == CliMode::kHelp) {
    std::cout << (args.init_help ? sentinel::kInitUsage : sentinel::kSentinelUsage)
              << client::kSafeUrlFlagHelp << identity::kIdentityFlagsHelp;
    return 0;
  }
  // The interactive commands answer at once; only init waits for the Safe (as in VSecM).
  client::ClientOptions defaults = client::ClientOptionsFromEnvironment(env);
  if (args.client.safe_url.empty()) args.client.safe_url = defaults.safe_url;
  args.client.backoff =
      args.mode == CliMode::kInit ? defaults.backoff : client::BackoffPolicy::NoRetries();
  // SVID files or the SPIRE agent may lag a pod's start: init waits for them as long as the
  // identity library's default; an operator at a prompt hears sooner what is missing.
  if (args.mode != CliMode::kInit) args.client.identity.initial_wait = std::chrono::seconds(5);
  if (args.mode == CliMode::kInit) return RunInit(args, env);

  sentinel::SentinelCommand& command = args.command;
  if (args.mode == CliMode::kCommand) {
    if (args.secret_from_stdin) {
      auto input = sentinel::ReadSecretFd(STDIN_FILENO, "stdin");
      if (!input.ok()) return Fail(input.status());
      command.secret = sentinel::DropFinalNewline(*input);
    }
    // Checked before connecting: a bad date or a missing flag needs no Safe.
    if (Status s = sentinel::ValidateCommand(command); !s.ok()) return Fail(s.message(), 2);
  }
  auto safe = Connect(args.client, env);
  if (!safe.ok()) return Fail(safe.status());
  switch (args.mode) {
    case CliMode::kList:
      return RunList(**safe, args);
    case CliMode::kInputKeys:
      return RunInputKeys(**safe, args);
    default: {
      StatusOr<std::string> out = sentinel::ExecuteCommand(**safe, command, env);
      if (!out.ok()) return Fail(out.status());
      Print(*out + "\n");
      return 0;
    }
  }
}
