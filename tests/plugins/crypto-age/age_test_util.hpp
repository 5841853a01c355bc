// Helpers shared by the vsecm_age tests: sinks over kernel secure memory, files in temporary
// directories, and running the stock age CLI.
#ifndef VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_TEST_UTIL_HPP_
#define VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_TEST_UTIL_HPP_

#include <array>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/age/age.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::age::testing {

inline constexpr const char* kAgePath = "/usr/bin/age";
inline constexpr const char* kAgeKeygenPath = "/usr/bin/age-keygen";

std::vector<uint8_t> Bytes(std::string_view text);
std::string Text(std::span<const uint8_t> bytes);
std::vector<uint8_t> RandomBytes(size_t n);
std::string Sha256Hex(std::span<const uint8_t> data);
std::vector<uint8_t> FromHex(std::string_view hex);

// A fresh X25519 identity.
struct KeyPair {
  std::array<uint8_t, 32> secret{};
  Recipient recipient{};
  std::string identity_text;   // "AGE-SECRET-KEY-1..."
  std::string recipient_text;  // "age1..."
};
KeyPair NewKeyPair();

// Output of an operation: its status and whatever reached the sink.
struct Output {
  Status status;
  size_t sink_bytes = 0;      // bytes appended, taken before any wipe
  std::vector<uint8_t> data;  // copy of the output (tests only)
};
Output EncryptTo(std::span<const Recipient> recipients, std::span<const uint8_t> plaintext,
                 Armor armor = Armor::kBinary);
Output DecryptWith(SecretView identity, std::span<const uint8_t> file);
Output DecryptWithKeys(const DecryptKeys& keys, std::span<const uint8_t> file);

// A temporary directory, removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path Write(const std::string& name, std::span<const uint8_t> data) const;
  std::vector<uint8_t> Read(const std::string& name) const;

 private:
  std::filesystem::path path_;
};

// Runs argv[0] (an absolute path) with stdin/stdout/stderr redirected to files ("" means
// /dev/null) and returns its exit status, or -1 when it could not be started.
int RunProcess(const std::vector<std::string>& argv, const std::string& stdin_path,
               const std::string& stdout_path, const std::string& stderr_path);

bool HaveAgeCli();

}  // namespace vsecm::age::testing

#endif  // VSECM_TESTS_PLUGINS_CRYPTO_AGE_AGE_TEST_UTIL_HPP_
