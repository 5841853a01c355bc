// vsecm-keygen as a user runs it: real processes, files in a temporary directory, and the stock
// age CLI as the reference implementation.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "vsecm/kernel/root_key.hpp"

namespace {

namespace fs = std::filesystem;

const char* const kKeygen = VSECM_TEST_BIN_DIR "/vsecm-keygen";

struct Result {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

bool HaveStockAge() { return ::access("/usr/bin/age", X_OK) == 0; }

class KeygenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/vsecm-keygen-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Runs `program args...` with stdin from `input`, capturing stdout and stderr. `env` entries
  // ("NAME=value") are added to the environment.
  Result Run(const std::string& program, const std::vector<std::string>& args,
             const std::string& input = "", const std::vector<std::string>& env = {}) {
    const fs::path in = dir_ / "stdin", out = dir_ / "stdout", err = dir_ / "stderr";
    WriteText(in, input);
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd_in = ::open(in.c_str(), O_RDONLY);
      int fd_out = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int fd_err = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd_in, 0);
      ::dup2(fd_out, 1);
      ::dup2(fd_err, 2);
      for (const std::string& e : env) ::putenv(const_cast<char*>(e.c_str()));
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(program.c_str()));
      for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(program.c_str(), argv.data());
      ::_exit(127);
    }
    Result r;
    int status = 0;
    ::waitpid(pid, &status, 0);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadText(out);
    r.err = ReadText(err);
    return r;
  }
  Result Keygen(const std::vector<std::string>& args, const std::string& input = "",
                const std::vector<std::string>& env = {}) {
    return Run(kKeygen, args, input, env);
  }

  // A fresh root key written with `generate -o`; returns its path.
  fs::path NewRootKey(const std::string& name = "keys.txt") {
    const fs::path path = dir_ / name;
    Result r = Keygen({"generate", "-o", path});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return path;
  }

  static std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::stringstream s(text);
    for (std::string line; std::getline(s, line);) lines.push_back(line);
    return lines;
  }

  fs::path dir_;
};

TEST_F(KeygenTest, GenerateWritesAPrivateFileThatParses) {
  const fs::path path = NewRootKey();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string text = ReadText(path);
  auto key = vsecm::kernel::RootKey::Parse(
      {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->Text().ExposeText(), text);

  // Two keys are never the same.
  Result printed = Keygen({"generate"});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(Lines(printed.out).size(), 3u);
  EXPECT_NE(printed.out, text);
}

TEST_F(KeygenTest, GenerateRefusesToOverwrite) {
  const fs::path path = NewRootKey();
  const std::string before = ReadText(path);
  Result r = Keygen({"generate", "-o", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("vsecm-keygen: generate: " + path.string() + ": already exists"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(ReadText(path), before);
}

TEST_F(KeygenTest, RootKeyRoundTripsForAgeAndAes) {
  const fs::path key = NewRootKey();
  const std::string secret = "{\"username\":\"admin\",\"password\":\"correct horse\"}\n";
  for (const std::vector<std::string>& extra :
       {std::vector<std::string>{}, {"--aes"}, {"--armor"}}) {
    std::vector<std::string> args = {"encrypt", "--root-key", key};
    args.insert(args.end(), extra.begin(), extra.end());
    Result enc = Keygen(args, secret);
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    EXPECT_EQ(enc.out.find("correct horse"), std::string::npos);
    const fs::path file = dir_ / "secret.age";
    WriteText(file, enc.out);
    Result dec = Keygen({"decrypt", "--root-key", key, file});
    ASSERT_EQ(dec.exit_code, 0) << dec.err;
    EXPECT_EQ(dec.out, secret);
    const std::string mode = extra.empty() ? "" : extra[0];
    if (mode == "--aes") {
      EXPECT_EQ(enc.out.substr(0, 8), "VSECMAES");
    } else if (mode == "--armor") {
      EXPECT_EQ(enc.out.rfind("-----BEGIN AGE ENCRYPTED FILE-----", 0), 0u);
    } else {
      EXPECT_EQ(enc.out.rfind("age-encryption.org/v1\n", 0), 0u);
    }
  }
}

TEST_F(KeygenTest, DecryptUsesTheRootKeyPathFromTheEnvironment) {
  const fs::path key = NewRootKey();
  Result enc = Keygen({"encrypt", "--root-key", key, "--aes"}, "from env");
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  WriteText(dir_ / "a.bin", enc.out);
  Result dec = Keygen({"decrypt", dir_ / "a.bin"}, "", {"VSECM_KEYGEN_ROOT_KEY_PATH=" + key.string()});
  ASSERT_EQ(dec.exit_code, 0) << dec.err;
  EXPECT_EQ(dec.out, "from env");

  Result missing = Keygen({"decrypt", dir_ / "a.bin"}, "",
                          {"VSECM_KEYGEN_ROOT_KEY_PATH=" + (dir_ / "absent.txt").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("absent.txt: cannot open"), std::string::npos) << missing.err;
}

TEST_F(KeygenTest, RecipientOutputDecryptsWithStockAge) {
  if (!HaveStockAge()) GTEST_SKIP() << "the age CLI is not installed";
  const fs::path key = NewRootKey();
  const std::vector<std::string> lines = Lines(ReadText(key));
  ASSERT_EQ(lines.size(), 3u);
  WriteText(dir_ / "identity.txt", lines[0] + "\n");
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--armor"}}) {
    std::vector<std::string> args = {"encrypt", "--recipient", lines[1]};
    args.insert(args.end(), extra.begin(), extra.end());
    Result enc = Keygen(args, "for stock age");
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    WriteText(dir_ / "to-age.age", enc.out);
    Result dec = Run("/usr/bin/age", {"-d", "-i", dir_ / "identity.txt", dir_ / "to-age.age"});
    ASSERT_EQ(dec.exit_code, 0) << dec.err;
    EXPECT_EQ(dec.out, "for stock age");
  }
}

TEST_F(KeygenTest, StockAgeOutputDecryptsWithKeygen) {
  if (!HaveStockAge()) GTEST_SKIP() << "the age CLI is not installed";
  const fs::path key = NewRootKey();
  const std::vector<std::string> lines = Lines(ReadText(key));
  ASSERT_EQ(lines.size(), 3u);
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--armor"}}) {
    std::vector<std::string> args = {"-r", lines[1], "-o", dir_ / "from-age.age"};
    args.insert(args.end(), extra.begin(), extra.end());
    fs::remove(dir_ / "from-age.age");
    Result enc = Run("/usr/bin/age", args, "written by stock age\n");
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    Result dec = Keygen({"decrypt", "--root-key", key, dir_ / "from-age.age"});
    ASSERT_EQ(dec.exit_code, 0) << dec.err;
    EXPECT_EQ(dec.out, "written by stock age\n");
  }
}

TEST_F(KeygenTest, WrongKeyFailsWithAMessage) {
  const fs::path key = NewRootKey("one.txt");
  const fs::path other = NewRootKey("two.txt");
  for (const std::vector<std::string>& extra : {std::vector<std::string>{}, {"--aes"}}) {
    std::vector<std::string> args = {"encrypt", "--root-key", key};
    args.insert(args.end(), extra.begin(), extra.end());
    Result enc = Keygen(args, "not for you");
    ASSERT_EQ(enc.exit_code, 0) << enc.err;
    WriteText(dir_ / "record", enc.out);
    Result dec = Keygen({"decrypt", "--root-key", other, dir_ / "record"});
    EXPECT_EQ(dec.exit_code, 1);
    EXPECT_TRUE(dec.out.empty());
    EXPECT_EQ(dec.err.rfind("vsecm-keygen: decrypt: " + (dir_ / "record").string() + ": ", 0), 0u)
        << dec.err;
    EXPECT_EQ(std::count(dec.err.begin(), dec.err.end(), '\n'), 1) << dec.err;
  }
}

TEST_F(KeygenTest, CorruptFilesFailAndOthersStillDecrypt) {
  const fs::path key = NewRootKey();
  Result enc = Keygen({"encrypt", "--root-key", key}, "good one");
  ASSERT_EQ(enc.exit_code, 0) << enc.err;
  WriteText(dir_ / "good.age", enc.out);
  std::string flipped = enc.out;
  flipped[flipped.size() - 5] ^= 1;
  WriteText(dir_ / "flipped.age", flipped);
  WriteText(dir_ / "junk.bin", "this is not encrypted");
  Result aes = Keygen({"encrypt", "--root-key", key, "--aes"}, "good two");
  ASSERT_EQ(aes.exit_code, 0) << aes.err;
  WriteText(dir_ / "short.aes", aes.out.substr(0, 30));

  Result dec = Keygen({"decrypt", "--root-key", key, dir_ / "flipped.age", dir_ / "good.age",
                       dir_ / "junk.bin", dir_ / "short.aes"});
  EXPECT_EQ(dec.exit_code, 1);
  EXPECT_EQ(dec.out, "good one");
  EXPECT_NE(dec.err.find((dir_ / "flipped.age").string() + ": "), std::string::npos);
  EXPECT_NE(dec.err.find("vsecm-keygen: decrypt: " + (dir_ / "junk.bin").string() +
                         ": not an age file or AES envelope"),
            std::string::npos)
      << dec.err;
  EXPECT_NE(dec.err.find((dir_ / "short.aes").string() + ": aes-256-gcm envelope is truncated"),
            std::string::npos)
      << dec.err;
}

TEST_F(KeygenTest, MalformedRootKeyIsNamedByLine) {
  WriteText(dir_ / "bad.txt", "AGE-SECRET-KEY-1TOOSHORT\nage1x\n00\n");
  Result r = Keygen({"decrypt", "--root-key", dir_ / "bad.txt", dir_ / "whatever"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("root key line 1 has 24 characters"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("TOOSHORT"), std::string::npos);
}

TEST_F(KeygenTest, UsageErrorsExitTwo) {
  const fs::path key = NewRootKey();
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"frobnicate"},
      {"decrypt", "--root-key", key},             // no file
      {"decrypt", "--root-key"},                  // option without value
      {"decrypt", "--bogus", "x"},
      {"encrypt"},                                // neither recipient nor root key
      {"encrypt", "--recipient", "age1x", "--root-key", key},
      {"encrypt", "--recipient", "not-a-recipient"},
      {"encrypt", "--aes", "--recipient", "age1x"},
      {"generate", "-o"},
      {"generate", "extra"},
  };
  for (const auto& args : cases) {
    Result r = Keygen(args);
    EXPECT_EQ(r.exit_code, 2) << ::testing::PrintToString(args) << ": " << r.err;
    EXPECT_NE(r.err.find("vsecm-keygen"), std::string::npos);
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(KeygenTest, HelpEverywhereExitsZero) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"generate", "--help"}, {"decrypt", "--help"},
           {"encrypt", "-h"}}) {
    Result r = Keygen(args);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args);
    EXPECT_NE(r.out.find("usage: vsecm-keygen"), std::string::npos);
    EXPECT_TRUE(r.err.empty()) << r.err;
  }
}

}  // namespace
