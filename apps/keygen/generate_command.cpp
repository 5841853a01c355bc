// vsecm-keygen generate [-o FILE]: a new root key in VSecM's three-line format.
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "command.hpp"
#include "io.hpp"
#include "keys.hpp"
#include "vsecm/age/age.hpp"
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

// The three lines, assembled in locked memory.
StatusOr<kernel::SecretBytes> NewRootKeyText() {
  kernel::SecretBytes age_secret(32);
  std::span<uint8_t, 32> secret_span(age_secret.Mutable().data(), 32);
  VSECM_RETURN_IF_ERROR(age::GenerateIdentity(secret_span));
  const age::SecretView secret_view(age_secret.Expose().data(), 32);

  kernel::SecretBuilder text(256);
  sdk::Sink sink(text.sink());
  try {
    VSECM_RETURN_IF_ERROR(age::EncodeIdentity(secret_view, sink));
    sink.Write("\n");
    VSECM_ASSIGN_OR_RETURN(const std::string recipient, age::RecipientOf(secret_view));
    sink.Write(recipient);
    sink.Write("\n");
    kernel::SecretBytes aes_key(32);
    if (RAND_priv_bytes(aes_key.Mutable().data(), static_cast<int>(aes_key.size())) != 1) {
      return Internal("the random number generator failed");
    }
    sink.Write(HexEncode(aes_key.Expose()).Expose());
    sink.Write("\n");
  } catch (const StatusError& e) {
    return e.status();
  }
  kernel::SecretBytes result = text.Take();
  // What we write must be what the Safe reads.
  StatusOr<kernel::RootKey> check = kernel::RootKey::Parse(result.Expose());
  if (!check.ok()) return check.status().WithContext("generated key does not parse");
  return result;
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

  StatusOr<kernel::SecretBytes> text = NewRootKeyText();
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
