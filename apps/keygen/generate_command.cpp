// vsecm-keygen generate [-o FILE]: a new root key in VSecM's three-line format.
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "command.hpp"
#include "io.hpp"
#include "keys.hpp"
#include "root_key_generation.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::keygen {
namespace {

constexpr std::string_view kName = "generate";

void PrintHelp() {
  std::printf(
      "usage: vsecm-keygen generate [-o FILE]\n"
      "\n"
      "Generates a VSecM root key: an age identity, its recipient, and a random AES-256 key in\n"
      "hex, one per line (the KEY_TXT of the vsecm-root-key Secret).\n"
      "\n"
      "options:\n"
      "  -o, --output FILE  write the key to FILE, created with mode 0600; an existing FILE is\n"
      "                     never overwritten. Without -o the key is printed to stdout.\n"
      "  -h, --help         show this help\n");
}

}  // namespace

int RunGenerate(std::span<const std::string_view> args) {
  std::optional<std::string> output;
  std::string error;
  for (size_t i = 0; i < args.size(); ++i) {
    if (IsHelp(args[i])) {
      PrintHelp();
      return kExitOk;
    }
    if (TakeOption(args, &i, "--output", "-o", &output, &error)) {
      if (!error.empty()) return UsageError(kName, error);
      continue;
    }
    return UsageError(kName, "unexpected argument '" + std::string(args[i]) + "'");
  }

  StatusOr<kernel::SecretBytes> text = common::NewRootKeyText();
  if (!text.ok()) return Fail(kName, text.status().message());
  if (!output) {
    Status written = WriteAll(STDOUT_FILENO, text->Expose());
    return written.ok() ? kExitOk : Fail(kName, "stdout: " + written.message());
  }
  Status written = WriteNewPrivateFile(*output, text->Expose());
  if (!written.ok()) return Fail(kName, *output + ": " + written.message());
  return kExitOk;
}

}  // namespace vsecm::keygen
