// Interoperability with the stock age CLI (filippo.io/age 1.1): files we write open with
// `age -d`, files `age` writes (binary and armored) open with our library.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "age_test_util.hpp"
#include "vsecm/age/age.hpp"

namespace vsecm::age {
namespace {

using testing::kAgeKeygenPath;
using testing::kAgePath;
using testing::RunProcess;

constexpr size_t kChunk = 64 * 1024;

class AgeCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::HaveAgeCli()) GTEST_SKIP() << "the age CLI is not installed at /usr/bin";
    key_path_ = (dir_.path() / "key.txt").string();
    ASSERT_EQ(RunProcess({kAgeKeygenPath, "-o", key_path_}, "", "", ""), 0);
    std::string key = testing::Text(dir_.Read("key.txt"));
    size_t pk = key.find("# public key: ") + 14;
    recipient_text_ = key.substr(pk, key.find('\n', pk) - pk);
    size_t sk = key.find("AGE-SECRET-KEY-1");
    ASSERT_TRUE(DecodeIdentity(key.substr(sk, 74), secret_).ok());
    recipient_ = DecodeRecipient(recipient_text_).value();
  }

  // Runs age and returns its exit status; stderr goes to a file for the failure message.
  int Age(std::vector<std::string> args) {
    args.insert(args.begin(), kAgePath);
    return RunProcess(args, "", "", (dir_.path() / "stderr.txt").string());
  }
  std::string AgeStderr() { return testing::Text(dir_.Read("stderr.txt")); }
  std::string Path(const std::string& name) { return (dir_.path() / name).string(); }

  testing::TempDir dir_;
  std::string key_path_;
  std::string recipient_text_;
  std::array<uint8_t, 32> secret_{};
  Recipient recipient_{};
};

class AgeInteropTest : public AgeCliTest, public ::testing::WithParamInterface<size_t> {};

TEST_P(AgeInteropTest, OursOpensWithAge) {
  const std::vector<uint8_t> plain = testing::RandomBytes(GetParam());
  for (Armor armor : {Armor::kBinary, Armor::kArmored}) {
    testing::Output enc =
        testing::EncryptTo(std::span<const Recipient>(&recipient_, 1), plain, armor);
    ASSERT_TRUE(enc.status.ok()) << enc.status.ToString();
    dir_.Write("ours.age", enc.data);
    ASSERT_EQ(Age({"-d", "-i", key_path_, "-o", Path("out.bin"), Path("ours.age")}), 0)
        << AgeStderr();
    EXPECT_EQ(dir_.Read("out.bin"), plain);
  }
}

TEST_P(AgeInteropTest, AgeOpensWithOurs) {
  const std::vector<uint8_t> plain = testing::RandomBytes(GetParam());
  dir_.Write("plain.bin", plain);
  for (bool armor : {false, true}) {
    std::vector<std::string> args = {"-r", recipient_text_, "-o", Path("theirs.age")};
    if (armor) args.insert(args.begin(), "-a");
    args.push_back(Path("plain.bin"));
    ASSERT_EQ(Age(args), 0) << AgeStderr();
    std::vector<uint8_t> file = dir_.Read("theirs.age");
    EXPECT_TRUE(LooksLikeAge(file));
    testing::Output out = testing::DecryptWith(secret_, file);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.data, plain);
  }
}

INSTANTIATE_TEST_SUITE_P(Sizes, AgeInteropTest,
                         ::testing::Values(0, 1, kChunk - 1, kChunk, kChunk + 1, 2 * kChunk,
                                           5 * 1024 * 1024));

TEST_F(AgeCliTest, MultipleRecipientsBothWays) {
  testing::KeyPair ours = testing::NewKeyPair();
  const std::vector<uint8_t> plain = testing::RandomBytes(3000);
  // age to two recipients: each of our identities opens it.
  dir_.Write("plain.bin", plain);
  ASSERT_EQ(Age({"-r", recipient_text_, "-r", ours.recipient_text, "-o", Path("two.age"),
                 Path("plain.bin")}),
            0)
      << AgeStderr();
  std::vector<uint8_t> file = dir_.Read("two.age");
  for (const auto& secret : {secret_, ours.secret}) {
    testing::Output out = testing::DecryptWith(secret, file);
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.data, plain);
  }
  // Ours to two recipients: age opens it with either key file, including one holding an
  // identity we encoded.
  std::vector<Recipient> recipients = {ours.recipient, recipient_};
  testing::Output enc = testing::EncryptTo(recipients, plain);
  ASSERT_TRUE(enc.status.ok());
  dir_.Write("ours.age", enc.data);
  dir_.Write("ours-key.txt", testing::Bytes(ours.identity_text + "\n"));
  for (const std::string& key : {key_path_, Path("ours-key.txt")}) {
    ASSERT_EQ(Age({"-d", "-i", key, "-o", Path("out.bin"), Path("ours.age")}), 0) << AgeStderr();
    EXPECT_EQ(dir_.Read("out.bin"), plain);
  }
}

TEST_F(AgeCliTest, AgeRefusesOurTamperedFilesAndWeRefuseTheirs) {
  const std::vector<uint8_t> plain = testing::RandomBytes(5000);
  testing::Output enc = testing::EncryptTo(std::span<const Recipient>(&recipient_, 1), plain);
  ASSERT_TRUE(enc.status.ok());
  std::vector<uint8_t> tampered = enc.data;
  tampered[tampered.size() - 100] ^= 1;
  dir_.Write("bad.age", tampered);
  EXPECT_NE(Age({"-d", "-i", key_path_, "-o", Path("out.bin"), Path("bad.age")}), 0);

  dir_.Write("plain.bin", plain);
  ASSERT_EQ(Age({"-r", recipient_text_, "-o", Path("theirs.age"), Path("plain.bin")}), 0);
  std::vector<uint8_t> theirs = dir_.Read("theirs.age");
  theirs[theirs.size() - 100] ^= 1;
  testing::Output out = testing::DecryptWith(secret_, theirs);
  EXPECT_EQ(out.status.code(), StatusCode::kIntegrityFailure);
  EXPECT_EQ(out.sink_bytes, 0u);
}

}  // namespace
}  // namespace vsecm::age
