// The store-fs frame and file names, as a unit: every kind of damage is detected and named.
#include "vsecm/store_fs/layout.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

namespace vsecm::store_fs {
namespace {

std::vector<uint8_t> Frame(const std::string& payload) {
  std::vector<uint8_t> p(payload.begin(), payload.end());
  const FrameHeader h = MakeFrameHeader(p);
  // Sized up front: GCC 12 warns falsely (array-bounds) about a range insert from std::array.
  std::vector<uint8_t> file(h.size() + p.size());
  std::memcpy(file.data(), h.data(), h.size());
  if (!p.empty()) std::memcpy(file.data() + h.size(), p.data(), p.size());
  return file;
}

std::string Problem(const std::vector<uint8_t>& file) {
  auto payload = OpenFrame(file);
  if (payload.ok()) return "ok";
  EXPECT_EQ(payload.status().code(), StatusCode::kDataLoss);
  return payload.status().message();
}

TEST(LayoutTest, AFrameRoundTripsAnyPayload) {
  for (const std::string& p : {std::string(), std::string("x"), std::string(100000, '\0')}) {
    std::vector<uint8_t> file = Frame(p);
    ASSERT_EQ(file.size(), kFrameHeaderSize + p.size());
    auto payload = OpenFrame(file);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    EXPECT_EQ(std::string(payload->begin(), payload->end()), p);
  }
  const std::vector<uint8_t> empty = Frame("");
  EXPECT_EQ(std::string(empty.begin(), empty.begin() + 8), "vsecm-fs");
}

TEST(LayoutTest, EveryKindOfDamageIsDetectedAndNamed) {
  const std::vector<uint8_t> good = Frame("cipher text of some length");
  EXPECT_EQ(Problem({}), "the file is empty");
  EXPECT_NE(Problem({good.begin(), good.begin() + 30}).find("truncated"), std::string::npos);
  EXPECT_NE(Problem({good.begin(), good.end() - 1}).find("truncated"), std::string::npos);
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_NE(Problem(longer).find("1 unexpected bytes"), std::string::npos);
  std::vector<uint8_t> bad = good;
  bad[0] ^= 1;
  EXPECT_NE(Problem(bad).find("bad magic"), std::string::npos);
  bad = good;
  bad[8] = 2;
  EXPECT_NE(Problem(bad).find("unsupported frame version 2"), std::string::npos);
  for (size_t at : {size_t{24}, size_t{55}, kFrameHeaderSize, good.size() - 1}) {
    bad = good;
    bad[at] ^= 0x80;
    EXPECT_NE(Problem(bad).find("SHA-256"), std::string::npos) << at;
  }
  bad = good;
  bad[16] ^= 1;  // the length field
  EXPECT_NE(Problem(bad), "ok");
}

TEST(LayoutTest, FileNamesMapBackToRecordNamesAndNothingElse) {
  EXPECT_EQ(SecretFileName("k8s:app"), "k8s:app.age");
  EXPECT_EQ(BackupFileName("k8s:app", 12), "k8s:app.12");
  EXPECT_EQ(NameOfSecretFile("k8s:app.age"), "k8s:app");
  EXPECT_EQ(NameOfSecretFile("x.age.age"), "x.age");
  EXPECT_EQ(NameOfSecretFile(".age"), std::nullopt);
  EXPECT_EQ(NameOfSecretFile(".tmp-00.age"), std::nullopt);
  EXPECT_EQ(NameOfSecretFile("backups"), std::nullopt);
  EXPECT_EQ(NameOfSecretFile("a b.age"), std::nullopt);
  EXPECT_EQ(NameOfBackupFile("x.1.2"), std::make_pair(std::string("x.1"), 2));
  EXPECT_EQ(NameOfBackupFile("x.100"), std::make_pair(std::string("x"), 100));
  EXPECT_EQ(NameOfBackupFile("x.0"), std::nullopt);
  EXPECT_EQ(NameOfBackupFile("x.01"), std::nullopt);
  EXPECT_EQ(NameOfBackupFile("x.1000"), std::nullopt);
  EXPECT_EQ(NameOfBackupFile("x"), std::nullopt);
  EXPECT_EQ(NameOfBackupFile(".tmp-1.1"), std::nullopt);
  EXPECT_TRUE(IsTempFileName(".tmp-0123456789abcdef"));
  EXPECT_FALSE(IsTempFileName("x.tmp"));
  // The longest name still fits the usual 255-byte file-name limit, backups included.
  const std::string longest(250, 'n');
  EXPECT_LE(SecretFileName(longest).size(), 255u);
  EXPECT_LE(BackupFileName(longest, kMaxBackupCount).size(), 255u);
}

TEST(LayoutTest, CheckNameFollowsTheKernelsRules) {
  for (const std::string& ok : {std::string("a"), std::string("k8s:ns-1.app_x@v=1,a+b"),
                                std::string(250, 'z'), std::string("a..b")}) {
    EXPECT_TRUE(CheckName(ok).ok()) << ok;
  }
  using namespace std::string_literals;
  for (const std::string& bad : {""s, "."s, ".."s, ".x"s, "a/b"s, "a\\b"s, "a\0"s, "a\nb"s,
                                 "a b"s, "é"s, std::string(251, 'z')}) {
    Status s = CheckName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(CheckName("a\0b"s).message().find("0x00"), std::string::npos);
}

}  // namespace
}  // namespace vsecm::store_fs
