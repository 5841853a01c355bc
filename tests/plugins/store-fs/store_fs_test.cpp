// vsecm-store-fs behaviour beyond the conformance suite: the file layout, backups, and what
// happens when files are damaged, missing or left behind.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store_fs_test_support.hpp"

namespace vsecm::store_fs::testing {
namespace {

namespace fs = std::filesystem;
using sdk::testing::StoreHarness;

class StoreFsTest : public ::testing::Test {
 protected:
  void SetUp() override { data_ = dir_ / "data"; }

  std::unique_ptr<StoreHarness> Open(const std::string& backup_count = "3") {
    auto store = OpenStore(data_, backup_count);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  std::string Current(const std::string& name) const { return data_ + "/" + name + ".age"; }
  std::string Backup(const std::string& name, int k) const {
    return data_ + "/backups/" + name + "." + std::to_string(k);
  }
  static std::string GetText(StoreHarness& s, const std::string& name) {
    auto got = s.Get(name);
    if (!got.ok()) return "<" + got.status().ToString() + ">";
    return std::string(got->begin(), got->end());
  }

  TempDir dir_;
  std::string data_;
};

TEST_F(StoreFsTest, KeepsVSecMsFileNamePerSecret) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("k8s:ns-1.app", "cipher").ok());
  EXPECT_EQ(PayloadOf(Current("k8s:ns-1.app")), "cipher");
  // The frame's header is there, followed by the cipher text as given.
  EXPECT_EQ(fs::file_size(Current("k8s:ns-1.app")), kFrameHeaderSize + 6);
}

TEST_F(StoreFsTest, BackupsRotateNewestFirstAndTheCountIsHonored) {
  auto store = Open("3");
  ASSERT_TRUE(store);
  for (int v = 1; v <= 6; ++v) ASSERT_TRUE(store->Put("db", "v" + std::to_string(v)).ok());
  EXPECT_EQ(PayloadOf(Current("db")), "v6");
  EXPECT_EQ(PayloadOf(Backup("db", 1)), "v5");
  EXPECT_EQ(PayloadOf(Backup("db", 2)), "v4");
  EXPECT_EQ(PayloadOf(Backup("db", 3)), "v3");
  EXPECT_FALSE(fs::exists(Backup("db", 4)));
  // Removing a secret removes its backups too.
  ASSERT_TRUE(store->Remove("db").ok());
  EXPECT_TRUE(fs::is_empty(data_ + "/backups"));
  EXPECT_FALSE(fs::exists(Current("db")));
}

TEST_F(StoreFsTest, BackupCountZeroKeepsOnlyTheCurrentFile) {
  auto store = Open("0");
  ASSERT_TRUE(store);
  for (int v = 1; v <= 3; ++v) ASSERT_TRUE(store->Put("db", "v" + std::to_string(v)).ok());
  EXPECT_EQ(PayloadOf(Current("db")), "v3");
  EXPECT_TRUE(fs::is_empty(data_ + "/backups"));
}

TEST_F(StoreFsTest, LoweringBackupCountPrunesOlderBackupsAtStart) {
  {
    auto store = Open("3");
    ASSERT_TRUE(store);
    for (int v = 1; v <= 4; ++v) ASSERT_TRUE(store->Put("db", "v" + std::to_string(v)).ok());
  }
  auto store = Open("1");
  ASSERT_TRUE(store);
  EXPECT_TRUE(fs::exists(Backup("db", 1)));
  EXPECT_FALSE(fs::exists(Backup("db", 2)));
  EXPECT_FALSE(fs::exists(Backup("db", 3)));
  EXPECT_TRUE(store->host().Logged(VSECM_LOG_INFO, "beyond backup_count 1"));
  EXPECT_EQ(GetText(*store, "db"), "v4");
}

TEST_F(StoreFsTest, CorruptCurrentFileServesThePreviousBackupAndWarns) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Put("db", "old-value").ok());
    ASSERT_TRUE(store->Put("db", "new-value").ok());
  }
  std::vector<uint8_t> bytes = ReadBytes(Current("db"));
  bytes.back() ^= 0x01;  // one flipped bit in the cipher text
  WriteBytes(Current("db"), bytes);

  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_EQ(GetText(*store, "db"), "old-value");
  EXPECT_TRUE(store->host().Logged(VSECM_LOG_WARN, Current("db") + ": the file is corrupt"));
  EXPECT_TRUE(store->host().Logged(VSECM_LOG_WARN, "serving the older copy " + Backup("db", 1)));
  auto names = store->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"db"});
  // The next put replaces the damaged file; the good value stays as the newest backup.
  ASSERT_TRUE(store->Put("db", "newest").ok());
  EXPECT_EQ(GetText(*store, "db"), "newest");
}

TEST_F(StoreFsTest, TruncatedCurrentFileServesThePreviousBackup) {
  for (size_t keep : {size_t{0}, size_t{20}, kFrameHeaderSize + 3}) {
    SCOPED_TRACE("truncated to " + std::to_string(keep));
    {
      auto store = Open();
      ASSERT_TRUE(store);
      ASSERT_TRUE(store->Put("db", "older-value-of-some-length").ok());
      ASSERT_TRUE(store->Put("db", "newer-value-of-some-length").ok());
    }
    ASSERT_EQ(::truncate(Current("db").c_str(), static_cast<off_t>(keep)), 0);
    auto store = Open();
    ASSERT_TRUE(store);
    EXPECT_EQ(GetText(*store, "db"), "older-value-of-some-length");
    EXPECT_TRUE(store->host().Logged(VSECM_LOG_WARN, Current("db") + ": the file is "));
    ASSERT_TRUE(store->Remove("db").ok());
  }
}

TEST_F(StoreFsTest, EveryCopyUnreadableIsDataLossNamingEachFileAndStaysListed) {
  {
    auto store = Open("2");
    ASSERT_TRUE(store);
    for (int v = 1; v <= 3; ++v) ASSERT_TRUE(store->Put("db", "value-" + std::to_string(v)).ok());
  }
  for (const std::string& f : {Current("db"), Backup("db", 1), Backup("db", 2)}) {
    ASSERT_EQ(::truncate(f.c_str(), 10), 0);
  }
  auto store = Open("2");
  ASSERT_TRUE(store);
  auto got = store->Get("db");
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss);
  for (const std::string& f : {Current("db"), Backup("db", 1), Backup("db", 2)}) {
    EXPECT_NE(got.status().message().find(f), std::string::npos) << got.status().message();
  }
  auto names = store->List();  // listed, so recovery reports it instead of losing it silently
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"db"});
}

TEST_F(StoreFsTest, AFifoInPlaceOfARecordIsDataLossNotAHang) {
  {
    auto store = Open("0");
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Put("db", "value").ok());
  }
  ASSERT_EQ(::unlink(Current("db").c_str()), 0);
  ASSERT_EQ(::mkfifo(Current("db").c_str(), 0600), 0);
  auto store = Open("0");
  ASSERT_TRUE(store);
  auto got = store->Get("db");
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find("not a regular file"), std::string::npos)
      << got.status().message();
}

TEST_F(StoreFsTest, MissingCurrentFileFallsBackToTheNewestBackup) {
  auto store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("db", "v1").ok());
  ASSERT_TRUE(store->Put("db", "v2").ok());
  fs::remove(Current("db"));
  EXPECT_EQ(GetText(*store, "db"), "v1");
  EXPECT_TRUE(store->host().Logged(VSECM_LOG_WARN, "the current file is missing"));
  auto names = store->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"db"});
}

TEST_F(StoreFsTest, LeftoverTempFilesAreIgnoredThenRemovedAtStartWithAWarning) {
  {
    auto store = Open();
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->Put("db", "v1").ok());
  }
  const std::vector<uint8_t> half = {'v', 'e', 'c'};
  ASSERT_TRUE(LeaveHalfWrittenTempFile(dir_.path(), "db", half).ok());
  ASSERT_TRUE(LeaveHalfWrittenTempFile(dir_.path(), "other", half).ok());
  WriteBytes(data_ + "/backups/.tmp-0011223344556677", half);
  auto store = Open();
  ASSERT_TRUE(store);
  EXPECT_TRUE(store->host().Logged(VSECM_LOG_WARN, "removed 2 unfinished write(s)"));
  for (const auto& e : fs::directory_iterator(data_)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".tmp-")) << e.path();
  }
  EXPECT_FALSE(fs::exists(data_ + "/backups/.tmp-0011223344556677"));
  EXPECT_EQ(GetText(*store, "db"), "v1");
}

TEST_F(StoreFsTest, FailedPutLeavesThePreviousValueAndNoTemporaryFile) {
  auto store = Open("1");
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Put("db", "v1").ok());
  ASSERT_TRUE(store->Put("db", "v2").ok());
  // A directory where backup 1 must go makes the rotation fail (root ignores permissions, so
  // a read-only directory would not).
  fs::remove(Backup("db", 1));
  fs::create_directories(Backup("db", 1) + "/blocker");
  Status s = store->Put("db", "v3");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(Backup("db", 1)), std::string::npos) << s.ToString();
  EXPECT_EQ(GetText(*store, "db"), "v2");
  for (const auto& e : fs::directory_iterator(data_)) {
    EXPECT_FALSE(e.path().filename().string().starts_with(".tmp-")) << e.path();
  }
}

TEST_F(StoreFsTest, NamesOutsideTheRulesCannotReachFilesOutsideTheDataPath) {
  auto store = Open();
  ASSERT_TRUE(store);
  const std::vector<uint8_t> outside = {'o', 'u', 't'};
  WriteBytes(dir_ / "victim.age", outside);
  for (const char* name : {"../victim", "..", "backups/../../victim", "/tmp/x"}) {
    EXPECT_EQ(store->Put(name, "attack").code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store->Remove(name).code(), StatusCode::kInvalidArgument) << name;
    EXPECT_EQ(store->Get(name).status().code(), StatusCode::kInvalidArgument) << name;
  }
  EXPECT_EQ(ReadBytes(dir_ / "victim.age"), outside);
}

}  // namespace
}  // namespace vsecm::store_fs::testing
