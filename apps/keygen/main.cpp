// vsecm-keygen: generates VSecM root keys and decrypts the Safe's backups offline (disaster
// recovery). Subcommands are listed in kCommands; each lives in its own file.
#include <cstdio>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace vsecm::keygen {
namespace {

// New subcommands (an `svid` command is planned) are added here and in command.hpp.
constexpr Command kCommands[] = {
    {"generate", "print a new root key, or write it to a new file with mode 0600", &RunGenerate},
    {"decrypt", "decrypt backup files written by the Safe (age or AES envelope) to stdout",
     &RunDecrypt},
    {"encrypt", "encrypt stdin to stdout for an age recipient or under a root key", &RunEncrypt},
    {"svid", "issue a development SVID from a local CA (created on first use)", &RunSvid},
};

void PrintHelp() {
  std::printf(
      "usage: vsecm-keygen <command> [options]\n"
      "\n"
      "Generates VSecM root keys and decrypts the Safe's backups offline.\n"
      "\n"
      "commands:\n");
  for (const Command& c : kCommands) {
    std::printf("  %-10.*s %.*s\n", static_cast<int>(c.name.size()), c.name.data(),
                static_cast<int>(c.summary.size()), c.summary.data());
  }
  std::printf(
      "\n"
      "Run 'vsecm-keygen <command> --help' for a command's options.\n"
      "Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int Main(int argc, char** argv) {
  // Key material passes through this process: no core dumps, no ptrace attachment.
  if (Status hardened = kernel::HardenProcess(); !hardened.ok()) {
    return Fail("start", "cannot harden the process: " + hardened.message());
  }
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::fputs("vsecm-keygen: a command is required (see 'vsecm-keygen --help')\n", stderr);
    return kExitUsage;
  }
  if (IsHelp(args[0])) {
    PrintHelp();
    return kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == args[0]) return c.run(std::span(args).subspan(1));
  }
  std::fprintf(stderr, "vsecm-keygen: unknown command '%.*s' (see 'vsecm-keygen --help')\n",
               static_cast<int>(args[0].size()), args[0].data());
  return kExitUsage;
}

}  // namespace
}  // namespace vsecm::keygen

int main(int argc, char** argv) { return vsecm::keygen::Main(argc, argv); }
