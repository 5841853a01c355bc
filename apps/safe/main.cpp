// vsecm-safe: the Safe. This first cut carries the `plugins` command; the mTLS server arrives
// with its own issue.
#include <cstring>
#include <iostream>
#include <string>

#include "plugins_command.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"

namespace {

constexpr const char* kUsage = R"(usage: vsecm-safe <command> [options]

commands:
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
  if (const char* level = std::getenv("VSECM_LOG_LEVEL")) {
    vsecm::kernel::LogLevel parsed;
    if (vsecm::kernel::ParseLogLevel(level, &parsed)) vsecm::kernel::SetLogLevel(parsed);
  }
  if (argc < 2 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0) {
    std::cout << kUsage;
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  try {
    if (command == "plugins") return vsecm::safe::RunPluginsCommand(argc - 2, argv + 2);
  } catch (const std::exception& e) {
    std::cerr << "vsecm-safe: " << command << ": unexpected error: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "vsecm-safe: unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
