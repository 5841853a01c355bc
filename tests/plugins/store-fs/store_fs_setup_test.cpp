// vsecm-store-fs start-up: configuration checks, the data directory's safety rules, file
// modes, and the one-store-per-data-path lock.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store_fs_test_support.hpp"

namespace vsecm::store_fs::testing {
namespace {

namespace fs = std::filesystem;

// Sets the process umask for one scope.
class ScopedUmask {
 public:
  explicit ScopedUmask(mode_t mask) : old_(::umask(mask)) {}
  ~ScopedUmask() { ::umask(old_); }

 private:
  mode_t old_;
};

TEST(StoreFsSetupTest, CreatesMissingDirectoriesAndFilesPrivateWhateverTheUmask) {
  TempDir dir;
  const std::string data = dir / "nested/deeper/data";
  ScopedUmask umask(0);
  auto store = OpenStore(data, "2");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE((*store)->Put("db", "v1").ok());
  ASSERT_TRUE((*store)->Put("db", "v2").ok());
  EXPECT_EQ(ModeOf(dir / "nested"), 0700u);
  EXPECT_EQ(ModeOf(data), 0700u);
  EXPECT_EQ(ModeOf(data + "/backups"), 0700u);
  EXPECT_EQ(ModeOf(data + "/db.age"), 0600u);
  EXPECT_EQ(ModeOf(data + "/backups/db.1"), 0600u);
  EXPECT_EQ(ModeOf(data + "/.lock"), 0600u);
}

TEST(StoreFsSetupTest, RefusesADataPathWritableByGroupOrOthers) {
  for (mode_t mode : {0770, 0777, 0702, 0720}) {
    TempDir dir;
    const std::string data = dir / "data";
    fs::create_directory(data);
    ::chmod(data.c_str(), mode);
    auto store = OpenStore(data);
    EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition) << std::oct << mode;
    EXPECT_NE(store.status().message().find("path: " + data + " is writable by group or others"),
              std::string::npos)
        << store.status().message();
  }
}

TEST(StoreFsSetupTest, RefusesAWritableBackupDirectory) {
  TempDir dir;
  const std::string data = dir / "data";
  fs::create_directories(data + "/backups");
  ::chmod(data.c_str(), 0700);
  ::chmod((data + "/backups").c_str(), 0777);
  auto store = OpenStore(data);
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find(data + "/backups is writable"), std::string::npos)
      << store.status().message();
}

TEST(StoreFsSetupTest, WarnsAboutAWorldReadableDataPathButUsesIt) {
  TempDir dir;
  const std::string data = dir / "data";
  fs::create_directory(data);
  ::chmod(data.c_str(), 0755);
  auto store = OpenStore(data);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "readable by others"));
}

TEST(StoreFsSetupTest, RefusesASymbolicLinkAsDataPath) {
  TempDir dir;
  fs::create_directory(dir / "real");
  ::chmod((dir / "real").c_str(), 0700);
  fs::create_directory_symlink(dir / "real", dir / "link");
  auto store = OpenStore(dir / "link");
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find(dir / "link" + " is a symbolic link"), std::string::npos)
      << store.status().message();
  // A symlink in place of the backup directory is refused as well.
  fs::create_directory(dir / "elsewhere");
  fs::create_directory_symlink(dir / "elsewhere", dir / "real/backups");
  store = OpenStore(dir / "real");
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("backups is not a directory"), std::string::npos)
      << store.status().message();
}

TEST(StoreFsSetupTest, RefusesADataPathThatIsAFileOrRelative) {
  TempDir dir;
  WriteBytes(dir / "file", std::vector<uint8_t>{1});
  auto store = OpenStore(dir / "file");
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("is not a directory"), std::string::npos);
  store = OpenStore("relative/data");
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(store.status().message().find("path: must be an absolute"), std::string::npos);
}

TEST(StoreFsSetupTest, RefusesBackupCountOutsideZeroToHundred) {
  TempDir dir;
  for (const char* bad : {"-1", "101", "1000", "3x", ""}) {
    auto store = OpenStore(dir / "data", bad);
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(store.status().message().find("backup_count: must be an integer from 0 to 100"),
              std::string::npos)
        << store.status().message();
  }
  for (const char* good : {"0", "100"}) {
    auto store = OpenStore(dir / "data", good);
    EXPECT_TRUE(store.ok()) << good << ": " << store.status().ToString();
  }
}

TEST(StoreFsSetupTest, DeclaresVSecMsSettingsAndDefaults) {
  const vsecm_plugin_descriptor& d = Library().descriptor();
  EXPECT_STREQ(d.name, "vsecm-store-fs");
  EXPECT_NE(d.flags & VSECM_PLUGIN_FLAG_THREAD_SAFE, 0u);
  ASSERT_EQ(d.config_field_count, 2u);
  EXPECT_STREQ(d.config_fields[0].name, "path");
  EXPECT_STREQ(d.config_fields[0].default_value, "/var/local/vsecm/data");
  EXPECT_STREQ(d.config_fields[0].env, "VSECM_SAFE_DATA_PATH");
  EXPECT_STREQ(d.config_fields[1].name, "backup_count");
  EXPECT_EQ(d.config_fields[1].type, VSECM_CONFIG_INTEGER);
  EXPECT_STREQ(d.config_fields[1].default_value, "3");
  EXPECT_STREQ(d.config_fields[1].env, "VSECM_SAFE_SECRET_BACKUP_COUNT");
}

TEST(StoreFsSetupTest, ASecondStoreOnTheSameDataPathIsRefusedUntilTheFirstCloses) {
  TempDir dir;
  auto first = OpenStore(dir / "data");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = OpenStore(dir / "data");
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find("is in use by another store"), std::string::npos)
      << second.status().message();
  first->reset();
  second = OpenStore(dir / "data");
  EXPECT_TRUE(second.ok()) << second.status().ToString();
}

}  // namespace
}  // namespace vsecm::store_fs::testing
