// vsecm-keygen encrypt (--recipient age1... | --root-key FILE [--aes]) [--armor]: stdin,
// encrypted, to stdout.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "io.hpp"
#include "keys.hpp"
#include "vsecm/aes/envelope.hpp"
#include "vsecm/age/age.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::keygen {
namespace {

constexpr std::string_view kName = "encrypt";

void PrintHelp() {
  std::printf(
      "usage: vsecm-keygen encrypt --recipient age1... [--armor] < PLAIN > ENCRYPTED\n"
      "       vsecm-keygen encrypt --root-key FILE [--aes | --armor] < PLAIN > ENCRYPTED\n"
      "\n"
      "Encrypts stdin to stdout: a standard age file for --recipient (readable by 'age -d'),\n"
      "or for the root key's age recipient; with --aes an AES-256-GCM envelope under the root\n"
      "key's AES key (the Safe's FIPS mode format).\n"
      "\n"
      "options:\n"
      "  -r, --recipient age1...  encrypt to this age recipient\n"
      "  --root-key FILE          encrypt to the root key in FILE\n"
      "  --aes                    with --root-key: write an AES-256-GCM envelope instead of age\n"
      "  -a, --armor              write an ASCII-armored age file\n"
      "  -h, --help               show this help\n");
}

struct Options {
  std::optional<std::string> recipient;
  std::optional<std::string> root_key;
  bool aes = false;
  bool armor = false;
};

Status EncryptAes(const kernel::RootKey& root_key, std::span<const uint8_t> plain,
                  sdk::Sink& out) {
  VSECM_ASSIGN_OR_RETURN(const aes::Primitives primitives, aes::Primitives::Fetch(false));
  const kernel::SecretBytes key = AesKeyOf(root_key);
  aes::KeyRing ring;
  VSECM_RETURN_IF_ERROR(ring.Add(primitives, aes::KeySpan(key.Expose().data(), aes::kKeySize)));
  return aes::Seal(primitives, *ring.Newest(), plain, out);
}

}  // namespace

int RunEncrypt(std::span<const std::string_view> args) {
  Options opts;
  std::string error;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string_view arg = args[i];
    if (IsHelp(arg)) {
      PrintHelp();
      return kExitOk;
    }
    if (TakeOption(args, &i, "--recipient", "-r", &opts.recipient, &error) ||
        TakeOption(args, &i, "--root-key", "", &opts.root_key, &error)) {
      if (!error.empty()) return UsageError(kName, error);
      continue;
    }
    if (arg == "--aes") {
      opts.aes = true;
    } else if (arg == "--armor" || arg == "-a") {
      opts.armor = true;
    } else {
      return UsageError(kName, "unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (opts.recipient.has_value() == opts.root_key.has_value()) {
    return UsageError(kName, "give exactly one of --recipient age1... or --root-key FILE");
  }
  if (opts.aes && !opts.root_key) return UsageError(kName, "--aes needs --root-key");
  if (opts.aes && opts.armor) return UsageError(kName, "--armor applies to age output only");

  std::optional<kernel::RootKey> root_key;
  std::string recipient_text;
  if (opts.root_key) {
    StatusOr<kernel::RootKey> loaded = LoadRootKey(*opts.root_key);
    if (!loaded.ok()) return Fail(kName, *opts.root_key + ": " + loaded.status().message());
    root_key.emplace(std::move(loaded).value());
    recipient_text = std::string(root_key->age_public_key().ExposeText());
  } else {
    recipient_text = *opts.recipient;
  }
  std::optional<age::Recipient> recipient;
  if (!opts.aes) {
    StatusOr<age::Recipient> decoded = age::DecodeRecipient(recipient_text);
    if (!decoded.ok()) {
      return opts.recipient ? UsageError(kName, "--recipient: " + decoded.status().message())
                            : Fail(kName, *opts.root_key + ": root key line 2: " +
                                              decoded.status().message());
    }
    recipient = *decoded;
  }

  StatusOr<kernel::SecretBytes> plain = ReadAll(STDIN_FILENO);
  if (!plain.ok()) return Fail(kName, "stdin: " + plain.status().message());

  kernel::SecretBuilder sealed;
  sdk::Sink sink(sealed.sink());
  Status status =
      opts.aes ? EncryptAes(*root_key, plain->Expose(), sink)
               : age::Encrypt(std::span<const age::Recipient>(&*recipient, 1), plain->Expose(),
                              opts.armor ? age::Armor::kArmored : age::Armor::kBinary, sink);
  if (!status.ok()) return Fail(kName, status.message());
  if (Status written = WriteAll(STDOUT_FILENO, sealed.Take().Expose()); !written.ok()) {
    return Fail(kName, "stdout: " + written.message());
  }
  return kExitOk;
}

}  // namespace vsecm::keygen
