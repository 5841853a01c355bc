// vsecm-store-rocksdb through its C ABI: versions and backups, reopen, configuration, the
// database directory, the lock held against a second instance or process, and symbol hiding.
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "rocksdb_test_support.hpp"

extern char** environ;

namespace vsecm::testing {
namespace {

using sdk::testing::Bytes;
using sdk::testing::ToBytes;

std::string Text(const StatusOr<Bytes>& got) {
  return got.ok() ? std::string(got->begin(), got->end()) : "<" + got.status().ToString() + ">";
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

std::string Version(std::string_view name, int seq) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016x", seq);
  return "v/" + std::string(name) + "/" + hex;
}

TEST(RocksDbStoreTest, GetReturnsTheNewestAndKeepsBackupCountPreviousVersions) {
  ScratchDir dir;
  const std::string db = dir / "db";
  {
    auto store = OpenRocksDbStore(db, /*backup_count=*/2);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 1; i <= 5; ++i) {
      ASSERT_TRUE((*store)->Put("app", "value-" + std::to_string(i)).ok());
      EXPECT_EQ(Text((*store)->Get("app")), "value-" + std::to_string(i));
    }
    ASSERT_TRUE((*store)->Put("other", "x").ok());
  }
  // The newest and two previous versions remain, under the documented keys.
  auto entries = DumpDatabase(db);
  EXPECT_EQ(entries.count(Version("app", 1)), 0u);
  EXPECT_EQ(entries.count(Version("app", 2)), 0u);
  EXPECT_EQ(entries[Version("app", 3)], "value-3");
  EXPECT_EQ(entries[Version("app", 4)], "value-4");
  EXPECT_EQ(entries[Version("app", 5)], "value-5");
  EXPECT_EQ(entries["m/app"], std::string("\0\0\0\0\0\0\0\x03\0\0\0\0\0\0\0\x05", 16));
  EXPECT_EQ(entries[Version("other", 1)], "x");
  EXPECT_EQ(entries["!layout"], "1");
  EXPECT_EQ(entries.size(), 7u);  // layout, 2 ranges, 4 versions
}

TEST(RocksDbStoreTest, ABackupCountOfZeroKeepsOnlyTheCurrentValue) {
  ScratchDir dir;
  {
    auto store = OpenRocksDbStore(dir / "db", 0);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE((*store)->Put("app", std::to_string(i)).ok());
  }
  auto entries = DumpDatabase(dir / "db");
  EXPECT_EQ(entries.count(Version("app", 2)), 0u);
  EXPECT_EQ(entries[Version("app", 3)], "3");
}

TEST(RocksDbStoreTest, ALowerBackupCountAfterReopenDropsTheSurplusOnTheNextPut) {
  ScratchDir dir;
  {
    auto store = OpenRocksDbStore(dir / "db", 5);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 1; i <= 6; ++i) ASSERT_TRUE((*store)->Put("app", std::to_string(i)).ok());
  }
  {
    auto store = OpenRocksDbStore(dir / "db", 1);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(Text((*store)->Get("app")), "6");
    ASSERT_TRUE((*store)->Put("app", "7").ok());
  }
  auto entries = DumpDatabase(dir / "db");
  for (int seq = 1; seq <= 5; ++seq) EXPECT_EQ(entries.count(Version("app", seq)), 0u) << seq;
  EXPECT_EQ(entries[Version("app", 6)], "6");
  EXPECT_EQ(entries[Version("app", 7)], "7");
}

TEST(RocksDbStoreTest, RemoveDeletesEveryVersionAndANewPutStartsOver) {
  ScratchDir dir;
  {
    auto store = OpenRocksDbStore(dir / "db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (int i = 0; i < 4; ++i) ASSERT_TRUE((*store)->Put("gone", "v" + std::to_string(i)).ok());
    ASSERT_TRUE((*store)->Put("kept", "k").ok());
    ASSERT_TRUE((*store)->Remove("gone").ok());
    EXPECT_EQ((*store)->Get("gone").status().code(), StatusCode::kNotFound);
    ASSERT_TRUE((*store)->Remove("gone").ok());  // absent: still ok
  }
  auto entries = DumpDatabase(dir / "db");
  for (const auto& [key, value] : entries) {
    EXPECT_EQ(key.find("gone"), std::string::npos) << key << " survived the remove";
  }
  auto store = OpenRocksDbStore(dir / "db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("gone", "again").ok());
  EXPECT_EQ(Text((*store)->Get("gone")), "again");
  auto names = (*store)->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);
}

TEST(RocksDbStoreTest, DataSurvivesReopen) {
  ScratchDir dir;
  {
    auto store = OpenRocksDbStore(dir / "db");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->Put("a", "1").ok());
    ASSERT_TRUE((*store)->Put("a", "2").ok());
  }
  auto store = OpenRocksDbStore(dir / "db");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(Text((*store)->Get("a")), "2");
}

TEST(RocksDbStoreTest, CreatesTheDatabaseDirectoryAndMissingParentsWithMode0700) {
  ScratchDir dir;
  const std::string db = dir / "x/y/db";
  auto store = OpenRocksDbStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ModeOf(dir / "x"), 0700u);
  EXPECT_EQ(ModeOf(dir / "x/y"), 0700u);
  EXPECT_EQ(ModeOf(db), 0700u);
}

TEST(RocksDbStoreTest, TightensAnOpenDirectoryTo0700AndSaysSo) {
  ScratchDir dir;
  const std::string db = dir / "db";
  ASSERT_EQ(::mkdir(db.c_str(), 0755), 0);
  ASSERT_EQ(::chmod(db.c_str(), 0755), 0);
  auto store = OpenRocksDbStore(db);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(ModeOf(db), 0700u);
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "changed it to 0700"));
}

TEST(RocksDbStoreTest, RefusesABackupCountOutOfRange) {
  ScratchDir dir;
  for (int bad : {-1, 1001}) {
    auto store = OpenRocksDbStore(dir / "db", bad);
    ASSERT_FALSE(store.ok());
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(store.status().message().find("backup_count"), std::string::npos);
  }
}

TEST(RocksDbStoreTest, RefusesARelativePathAndTheRootDirectory) {
  for (const char* bad : {"relative/db", "/", "//"}) {
    auto store = OpenRocksDbStore(bad);
    ASSERT_FALSE(store.ok()) << bad;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << bad;
  }
}

TEST(RocksDbStoreTest, RefusesAPathThatIsAFile) {
  ScratchDir dir;
  std::ofstream(dir / "file") << "x";
  auto store = OpenRocksDbStore(dir / "file");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not a directory"), std::string::npos);
}

TEST(RocksDbStoreTest, RefusesALayoutItDoesNotKnow) {
  ScratchDir dir;
  { ASSERT_TRUE(OpenRocksDbStore(dir / "db").ok()); }
  WriteDirectly(dir / "db", {{"!layout", "2"}});
  auto store = OpenRocksDbStore(dir / "db");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("layout version '2'"), std::string::npos)
      << store.status().ToString();
}

TEST(RocksDbStoreTest, ASecondInstanceOnTheSamePathGetsAClearLockError) {
  ScratchDir dir;
  auto first = OpenRocksDbStore(dir / "db");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenRocksDbStore(dir / "db");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(
      second.status().message().find("is locked by another process (is another Safe running?)"),
      std::string::npos)
      << second.status().ToString();
  // The first instance is unharmed.
  ASSERT_TRUE((*first)->Put("a", "1").ok());
  EXPECT_EQ(Text((*first)->Get("a")), "1");
}

// Runs only when started by the next test in a child process: opens the store the parent holds.
TEST(RocksDbLockProbe, OpenFromAnotherProcess) {
  const char* db = std::getenv("VSECM_TEST_ROCKSDB_PROBE_DB");
  const char* report = std::getenv("VSECM_TEST_ROCKSDB_PROBE_REPORT");
  if (db == nullptr || report == nullptr) GTEST_SKIP() << "run by SecondProcessGetsALockError";
  auto store = OpenRocksDbStore(db);
  std::ofstream(report) << (store.ok() ? std::string("opened") : store.status().ToString());
}

TEST(RocksDbStoreTest, ASecondProcessGetsAClearLockError) {
  ScratchDir dir;
  auto first = OpenRocksDbStore(dir / "db");
  ASSERT_TRUE(first.ok()) << first.status().ToString();

  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) env_text.emplace_back(*e);
  env_text.push_back("VSECM_TEST_ROCKSDB_PROBE_DB=" + (dir / "db"));
  env_text.push_back("VSECM_TEST_ROCKSDB_PROBE_REPORT=" + (dir / "report"));
  std::vector<char*> envp;
  for (std::string& s : env_text) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = VSECM_ROCKSDB_TEST_EXE, filter = "--gtest_filter=RocksDbLockProbe.*";
  char* argv[] = {exe.data(), filter.data(), nullptr};
  pid_t pid = 0;
  ASSERT_EQ(::posix_spawn(&pid, exe.c_str(), nullptr, nullptr, argv, envp.data()), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::ifstream in(dir / "report");
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(report.find("failed precondition"), std::string::npos) << report;
  EXPECT_NE(report.find("is locked by another process"), std::string::npos) << report;
}

TEST(RocksDbStoreTest, ThePluginExportsOnlyItsEntrySymbol) {
  std::string command = "nm -D --defined-only " + kRocksDbPlugin;
  FILE* pipe = ::popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::vector<std::string> symbols;
  char line[512];
  while (std::fgets(line, sizeof line, pipe) != nullptr) {
    std::string text(line);
    symbols.push_back(text.substr(text.find_last_of(' ') + 1));
  }
  ASSERT_EQ(::pclose(pipe), 0) << "nm failed";
  EXPECT_EQ(symbols, std::vector<std::string>{"vsecm_plugin_entry_v1\n"});
}

}  // namespace
}  // namespace vsecm::testing
