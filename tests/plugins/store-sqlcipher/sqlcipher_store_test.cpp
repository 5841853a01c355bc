// vsecm-store-sqlcipher through its C ABI: the key gate, versions and backups, wrong keys, the
// exclusive lock, file modes, encryption at rest of names and metadata, and key replacement.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sqlcipher_test_support.hpp"

namespace vsecm::testing {
namespace {

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

std::string Text(const StatusOr<std::string>& got) {
  return got.ok() ? *got : "<" + got.status().ToString() + ">";
}

TEST(SqlCipherStoreTest, EveryCallBeforeSetKeyIsFailedPrecondition) {
  ScratchDir dir;
  auto store = SqlCipherInstance::Create(dir / "vsecm.db", std::nullopt);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<Status> answers = {(*store)->Put("a", "1"), (*store)->Get("a").status(),
                                 (*store)->Remove("a"), (*store)->List().status()};
  for (const Status& s : answers) {
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
    EXPECT_EQ(s.message(), "the store key has not been set");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "vsecm.db")) << "nothing is written before the key";
}

TEST(SqlCipherStoreTest, RefusesAKeyOfTheWrongLength) {
  ScratchDir dir;
  auto store = SqlCipherInstance::Create(dir / "vsecm.db", std::nullopt);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<uint8_t> short_key(16, 1);
  Status s = (*store)->SetKey(short_key);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the store key must be 32 bytes, not 16");
}

TEST(SqlCipherStoreTest, GetReturnsTheNewestAndKeepsBackupCountPreviousVersions) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey(), /*backup_count=*/2);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE((*store)->Put("app", "value-" + std::to_string(i)).ok());
      EXPECT_EQ(Text((*store)->GetText("app")), "value-" + std::to_string(i));
    }
    ASSERT_TRUE((*store)->Put("other", "x").ok());
  }
  EXPECT_EQ(
      QueryDirectly(db, ConformanceKey(),
                    "SELECT name, seq, CAST(ciphertext AS TEXT) FROM versions "
                    "ORDER BY name, seq"),
      (std::vector<std::string>{"app|3|value-3", "app|4|value-4", "app|5|value-5", "other|1|x"}));
  auto store = SqlCipherInstance::Create(db, ConformanceKey(), 2);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Text((*store)->GetText("app")), "value-5");
  ASSERT_TRUE((*store)->Remove("app").ok());
  EXPECT_EQ((*store)->Get("app").status().code(), StatusCode::kNotFound);
  auto names = (*store)->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, std::vector<std::string>{"other"});
}

TEST(SqlCipherStoreTest, AWrongKeyIsPermissionDeniedAndNamesTheFile) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "1").ok());
  }
  auto store = SqlCipherInstance::Create(db, std::nullopt);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status s = (*store)->SetKey(OtherKey());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "the store key does not open " + db +
                             ": file is encrypted or is not a database (was it written under "
                             "another root key?)");
  // Every later call says why, and the file is untouched.
  EXPECT_EQ((*store)->Get("a").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ProbeDirectly(db, ConformanceKey()), 0);
}

TEST(SqlCipherStoreTest, ASecondInstanceOnTheSameFileGetsAClearLockError) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  auto first = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE((*first)->Put("a", "1").ok());
  auto second = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(), "the database " + db +
                                           " is locked by another process (is another Safe "
                                           "running?)");
  ASSERT_TRUE((*first)->Put("a", "2").ok());
  EXPECT_EQ(Text((*first)->GetText("a")), "2");
}

TEST(SqlCipherStoreTest, FilesAre0600AndTheDirectory0700) {
  ScratchDir dir;
  const std::string db = dir / "state/vsecm/vsecm.db";
  auto store = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("a", "1").ok());
  EXPECT_EQ(ModeOf(dir / "state"), 0700u);
  EXPECT_EQ(ModeOf(dir / "state/vsecm"), 0700u);
  EXPECT_EQ(ModeOf(db), 0600u);
  ASSERT_TRUE(std::filesystem::exists(db + "-wal"));
  EXPECT_EQ(ModeOf(db + "-wal"), 0600u);
  EXPECT_FALSE(std::filesystem::exists(db + "-shm")) << "exclusive mode keeps the index in memory";
}

TEST(SqlCipherStoreTest, LeavesAnExistingSharedDirectoryAloneButWarns) {
  ScratchDir dir;
  const std::string shared = dir / "shared";
  ASSERT_EQ(::mkdir(shared.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(shared.c_str(), 0755), 0);
  auto store = SqlCipherInstance::Create(shared + "/vsecm.db", ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ModeOf(shared), 0755u);
  EXPECT_EQ(ModeOf(shared + "/vsecm.db"), 0600u);
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "0700 is recommended"));
}

TEST(SqlCipherStoreTest, TightensAnExistingFileTo0600AndSaysSo) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  ASSERT_EQ(::chmod(db.c_str(), 0644), 0);
  auto store = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ModeOf(db), 0600u);
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "changed it to 0600"));
}

TEST(SqlCipherStoreTest, NamesAndMetadataAreEncryptedAtRest) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  auto check_files = [&](const char* when) {
    size_t bytes = 0;
    for (const std::string& file : {db, db + "-wal", db + "-shm"}) {
      std::string raw = ReadFileBytes(file);
      bytes += raw.size();
      EXPECT_EQ(raw.find("canary-name-123"), std::string::npos) << file << " " << when;
      EXPECT_EQ(raw.find("CREATE TABLE"), std::string::npos) << file << " " << when;
      EXPECT_EQ(raw.find("SQLite format 3"), std::string::npos) << file << " " << when;
      EXPECT_EQ(raw.find("stored_at_ms"), std::string::npos) << file << " " << when;
    }
    EXPECT_GT(bytes, 4096u) << "nothing was written " << when;
  };
  auto store = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("canary-name-123", "canary-value-456").ok());
  check_files("while open");
  store->reset();
  check_files("after close");
}

TEST(SqlCipherStoreTest, ANewKeyReencryptsTheDatabase) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "1").ok());
    ASSERT_TRUE((*store)->Put("a", "2").ok());
    Key other = OtherKey();
    ASSERT_TRUE((*store)->SetKey(other).ok());
    EXPECT_EQ(Text((*store)->GetText("a")), "2");
    ASSERT_TRUE((*store)->Put("b", "3").ok());
  }
  EXPECT_EQ(ProbeDirectly(db, ConformanceKey()), 26) << "the old key must no longer open it";
  EXPECT_EQ(QueryDirectly(db, OtherKey(), "SELECT name, seq FROM versions ORDER BY name, seq"),
            (std::vector<std::string>{"a|1", "a|2", "b|1"}));
  EXPECT_EQ(QueryDirectly(db, OtherKey(), "PRAGMA user_version"), std::vector<std::string>{"1"});
  for (const char* leftover : {".rekey", ".rekey-partial"}) {
    EXPECT_FALSE(std::filesystem::exists(db + leftover)) << leftover;
  }
  EXPECT_EQ(ModeOf(db), 0600u);
}

TEST(SqlCipherStoreTest, AKeyReplacementInterruptedBeforeItsRenameIsCompletedAtOpen) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db", donor = dir / "donor.db";
  {  // A complete copy under the new key, as step 2 of ReplaceKey leaves it.
    auto store = SqlCipherInstance::Create(donor, OtherKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "re-encrypted").ok());
  }
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "old").ok());
  }
  std::filesystem::copy_file(donor, db + ".rekey");
  auto store = SqlCipherInstance::Create(db, OtherKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Text((*store)->GetText("a")), "re-encrypted");
  EXPECT_FALSE(std::filesystem::exists(db + ".rekey"));
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "completing an interrupted key replacement"));
}

TEST(SqlCipherStoreTest, AKeyReplacementThatNeverRenamedLeavesTheOldFileInCharge) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db", donor = dir / "donor.db";
  {
    auto store = SqlCipherInstance::Create(donor, OtherKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
  }
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "old").ok());
  }
  std::filesystem::copy_file(donor, db + ".rekey");
  std::filesystem::copy_file(donor, db + ".rekey-partial");
  auto store = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Text((*store)->GetText("a")), "old");
  EXPECT_FALSE(std::filesystem::exists(db + ".rekey"));
  EXPECT_FALSE(std::filesystem::exists(db + ".rekey-partial"));
}

// 64 KiB values span 16 overflow pages each; in a fresh database the newest value's pages are
// the last ones of the file, so damaging one of those damages that version alone.
TEST(SqlCipherStoreTest, ADamagedNewestVersionFallsBackToABackupAndAllDamagedIsDataLoss) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE((*store)->Put("app", Pattern(65536, i)).ok());
  }
  const size_t page = 4096, pages = std::filesystem::file_size(db) / page;
  auto damage_page = [&](size_t index) {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(index * page + 1000));
    f.write("\xde\xad\xbe\xef", 4);
  };
  damage_page(pages - 6);
  {
    auto store = SqlCipherInstance::Create(db, ConformanceKey());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto got = (*store)->Get("app");
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(*got == Pattern(65536, 2)) << "expected the previous version";
    EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "serving the backup with sequence 2"));
  }
  damage_page(pages - 6 - 16);
  damage_page(pages - 6 - 32);
  auto store = SqlCipherInstance::Create(db, ConformanceKey());
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto got = (*store)->Get("app");
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss) << got.status().ToString();
  EXPECT_NE(got.status().message().find("every stored copy of 'app'"), std::string::npos)
      << got.status().ToString();
}

}  // namespace
}  // namespace vsecm::testing
