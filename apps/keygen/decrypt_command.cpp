// vsecm-keygen decrypt [--root-key FILE] PATH...: the Safe's backups, decrypted offline.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "command.hpp"
#include "io.hpp"
#include "keys.hpp"
#include "vsecm/aes/envelope.hpp"
#include "vsecm/age/age.hpp"
#include "vsecm/store_fs/layout.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::keygen {
namespace {

constexpr std::string_view kName = "decrypt";

void PrintHelp() {
  std::printf(
      "usage: vsecm-keygen decrypt [--root-key FILE] PATH...\n"
      "\n"
      "Decrypts files the Safe wrote (age files, binary or armored, and AES-256-GCM\n"
      "envelopes; the format is detected from the first bytes) and writes the plain text of\n"
      "each, in order, to stdout. A file that fails to decrypt writes nothing; the others are\n"
      "still decrypted and the exit status is 1. PATH '-' reads stdin.\n"
      "\n"
      "options:\n"
      "  --root-key FILE  the root key (default: $VSECM_KEYGEN_ROOT_KEY_PATH, else\n"
      "                   /opt/vsecm/keys.txt)\n"
      "  -h, --help       show this help\n");
}

// Everything needed to open either format, derived once from the root key.
struct Keys {
  kernel::SecretBytes age_secret;
  kernel::SecretBytes aes_key;
  aes::Primitives primitives;
  aes::KeyRing aes_ring;
};

StatusOr<kernel::SecretBytes> DecryptOne(const Keys& keys, std::span<const uint8_t> data) {
  // A file from vsecm-store-fs (current copy or backup) wraps the cipher text in a checked frame.
  if (data.size() >= store_fs::kFrameMagic.size() &&
      std::equal(store_fs::kFrameMagic.begin(), store_fs::kFrameMagic.end(), data.begin())) {
    VSECM_ASSIGN_OR_RETURN(data, store_fs::OpenFrame(data));
  }
  kernel::SecretBuilder plain;
  sdk::Sink sink(plain.sink());
  if (aes::LooksLikeAesEnvelope(data)) {
    KernelScratch scratch;
    VSECM_RETURN_IF_ERROR(aes::Open(keys.primitives, keys.aes_ring, data, scratch, sink));
  } else if (age::LooksLikeAge(data)) {
    VSECM_RETURN_IF_ERROR(
        age::Decrypt(age::SecretView(keys.age_secret.Expose().data(), 32), data, sink));
  } else {
    return InvalidArgument("not an age file or AES envelope");
  }
  return plain.Take();
}

}  // namespace

int RunDecrypt(std::span<const std::string_view> args) {
  std::optional<std::string> root_key_path;
  std::vector<std::string> paths;
  std::string error;
  bool options_done = false;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!options_done) {
      if (IsHelp(args[i])) {
        PrintHelp();
        return kExitOk;
      }
      if (args[i] == "--") {
        options_done = true;
        continue;
      }
      if (TakeOption(args, &i, "--root-key", "", &root_key_path, &error)) {
        if (!error.empty()) return UsageError(kName, error);
        continue;
      }
      if (args[i].size() > 1 && args[i][0] == '-') {
        return UsageError(kName, "unknown option '" + std::string(args[i]) + "'");
      }
    }
    paths.emplace_back(args[i]);
  }
  if (paths.empty()) return UsageError(kName, "no file to decrypt given");

  const std::string key_path = root_key_path.value_or(DefaultRootKeyPath());
  StatusOr<kernel::RootKey> root_key = LoadRootKey(key_path);
  if (!root_key.ok()) return Fail(kName, key_path + ": " + root_key.status().message());
  Keys keys;
  StatusOr<kernel::SecretBytes> age_secret = AgeSecretOf(*root_key);
  if (!age_secret.ok()) return Fail(kName, key_path + ": " + age_secret.status().message());
  keys.age_secret = std::move(age_secret).value();
  keys.aes_key = AesKeyOf(*root_key);
  StatusOr<aes::Primitives> primitives = aes::Primitives::Fetch(false);
  if (!primitives.ok()) return Fail(kName, primitives.status().message());
  keys.primitives = *primitives;
  Status added = keys.aes_ring.Add(
      keys.primitives, aes::KeySpan(keys.aes_key.Expose().data(), aes::kKeySize));
  if (!added.ok()) return Fail(kName, added.message());

  int exit_code = kExitOk;
  for (const std::string& path : paths) {
    StatusOr<kernel::SecretBytes> data = ReadFile(path);
    if (!data.ok()) {
      exit_code = Fail(kName, path + ": " + data.status().message());
      continue;
    }
    StatusOr<kernel::SecretBytes> plain = DecryptOne(keys, data->Expose());
    if (!plain.ok()) {
      exit_code = Fail(kName, path + ": " + plain.status().message());
      continue;
    }
    if (Status written = WriteAll(STDOUT_FILENO, plain->Expose()); !written.ok()) {
      return Fail(kName, "stdout: " + written.message());
    }
  }
  return exit_code;
}

}  // namespace vsecm::keygen
