#include "age_test_util.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <stdexcept>

extern char** environ;

namespace vsecm::age::testing {

std::vector<uint8_t> Bytes(std::string_view text) {
  return std::vector<uint8_t>(text.begin(), text.end());
}

std::string Text(std::span<const uint8_t> bytes) { return std::string(bytes.begin(), bytes.end()); }

std::vector<uint8_t> RandomBytes(size_t n) {
  std::vector<uint8_t> out(n);
  if (n > 0 && RAND_bytes(out.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return out;
}

std::string Sha256Hex(std::span<const uint8_t> data) {
  std::array<uint8_t, 32> md{};
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md.data(), &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : md) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::vector<uint8_t> FromHex(std::string_view hex) {
  auto nibble = [](char c) -> uint8_t {
    return static_cast<uint8_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  };
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  }
  return out;
}

KeyPair NewKeyPair() {
  KeyPair kp;
  if (!GenerateIdentity(kp.secret).ok()) throw std::runtime_error("GenerateIdentity failed");
  vsecm::kernel::SecretBuilder builder;
  vsecm::sdk::Sink sink(builder.sink());
  if (!EncodeIdentity(kp.secret, sink).ok()) throw std::runtime_error("EncodeIdentity failed");
  kp.identity_text = std::string(builder.Take().ExposeText());
  kp.recipient_text = RecipientOf(kp.secret).value();
  kp.recipient = DecodeRecipient(kp.recipient_text).value();
  return kp;
}

namespace {
template <class Fn>
Output Capture(Fn&& fn) {
  vsecm::kernel::SecretBuilder builder;
  vsecm::sdk::Sink sink(builder.sink());
  Output out;
  out.status = fn(sink);
  out.sink_bytes = builder.size();
  vsecm::kernel::SecretBytes taken = builder.Take();
  out.data.assign(taken.Expose().begin(), taken.Expose().end());
  return out;
}
}  // namespace

Output EncryptTo(std::span<const Recipient> recipients, std::span<const uint8_t> plaintext,
                 Armor armor) {
  return Capture([&](vsecm::sdk::Sink& s) { return Encrypt(recipients, plaintext, armor, s); });
}

Output DecryptWith(SecretView identity, std::span<const uint8_t> file) {
  Output out = Capture([&](vsecm::sdk::Sink& s) { return Decrypt(identity, file, s); });
  // Every decryption a test makes is made a second time with the identity prepared once (what
  // the plugin does): both paths must agree on the outcome, the code and every byte.
  StatusOr<PreparedIdentity> prepared = PreparedIdentity::FromSecret(identity);
  EXPECT_TRUE(prepared.ok()) << prepared.status().ToString();
  if (prepared.ok()) {
    Output again = Capture([&](vsecm::sdk::Sink& s) { return Decrypt(*prepared, file, s); });
    EXPECT_EQ(again.status.code(), out.status.code()) << again.status.ToString() << " vs "
                                                      << out.status.ToString();
    EXPECT_EQ(again.status.message(), out.status.message());
    EXPECT_EQ(again.sink_bytes, out.sink_bytes);
    EXPECT_EQ(again.data, out.data);
  }
  return out;
}

Output DecryptWithKeys(const DecryptKeys& keys, std::span<const uint8_t> file) {
  return Capture([&](vsecm::sdk::Sink& s) { return Decrypt(keys, file, s); });
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-age-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path TempDir::Write(const std::string& name, std::span<const uint8_t> data) const {
  std::filesystem::path p = path_ / name;
  std::ofstream f(p, std::ios::binary);
  f.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!f) throw std::runtime_error("cannot write " + p.string());
  return p;
}

std::vector<uint8_t> TempDir::Read(const std::string& name) const {
  std::ifstream f(path_ / name, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

int RunProcess(const std::vector<std::string>& argv, const std::string& stdin_path,
               const std::string& stdout_path, const std::string& stderr_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  auto redirect = [&](int fd, const std::string& path, int flags) {
    posix_spawn_file_actions_addopen(&actions, fd, path.empty() ? "/dev/null" : path.c_str(), flags,
                                     0600);
  };
  redirect(0, stdin_path, O_RDONLY);
  redirect(1, stdout_path, O_WRONLY | O_CREAT | O_TRUNC);
  redirect(2, stderr_path, O_WRONLY | O_CREAT | O_TRUNC);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

bool HaveAgeCli() { return access(kAgePath, X_OK) == 0 && access(kAgeKeygenPath, X_OK) == 0; }

}  // namespace vsecm::age::testing
