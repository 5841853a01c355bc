// vsecm-safe: the Safe.
#include <signal.h>

#include <cstring>
#include <iostream>
#include <string>

#include "dev_command.hpp"
#include "plugins_command.hpp"
#include "serve_command.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace {

constexpr const char* kUsage = R"(usage: vsecm-safe [<command>] [options]

commands:
  serve     run the Safe (the default when no command is given)
  dev       run a local Safe with no cluster: a development CA, SVIDs and a data directory
  plugins   list the plugins the Safe can load, with kind, version, ABI and SHA-256

Run `vsecm-safe <command> --help` for a command's options.
)";

}  // namespace

int main(int argc, char** argv) {
  // Before anything can hold a secret: no core dumps, no ptrace from peers.
  if (auto s = vsecm::kernel::HardenProcess(); !s.ok()) {
    std::cerr << "vsecm-safe: " << s.message() << "\n";
    return 1;
  }
  if (!vsecm::kernel::EnableOpenSslSecureHeap()) {
    vsecm::kernel::LogWarning("safe", "OpenSSL's secure heap is not locked; TLS private keys may "
                                      "be swapped (grant IPC_LOCK or raise RLIMIT_MEMLOCK)");
  }
  // Every thread inherits this mask, so the stop signals reach only the sigwait in the server.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (const char* level = std::getenv("VSECM_LOG_LEVEL")) {
    vsecm::kernel::LogLevel parsed;
    if (vsecm::kernel::ParseLogLevel(level, &parsed)) vsecm::kernel::SetLogLevel(parsed);
  }
  std::string command = argc >= 2 ? argv[1] : "serve";
  int rest = argc >= 2 ? 2 : 1;
  if (command.rfind("--", 0) == 0 && command != "--help") {  // options of the default command
    command = "serve";
    rest = 1;
  }
  if (command == "-h" || command == "--help" || command == "help") {
    std::cout << kUsage;
    return 0;
  }
  try {
    if (command == "plugins") return vsecm::safe::RunPluginsCommand(argc - rest, argv + rest);
    if (command == "serve") return vsecm::safe::RunServeCommand(argc - rest, argv + rest);
    if (command == "dev") return vsecm::safe::RunDevCommand(argc - rest, argv + rest);
  } catch (const std::exception& e) {
    std::cerr << "vsecm-safe: " << command << ": unexpected error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "vsecm-safe: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
