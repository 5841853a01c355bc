// The plugin host refuses every bad plugin with a message that names the file and says what
// was expected and what was found, and never crashes doing so.
#include "vsecm/kernel/plugin_library.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_support.hpp"
#include "vsecm/kernel/plugin_instance.hpp"
#include "vsecm/kernel/providers.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using vsecm::testing::CopyFile;
using vsecm::testing::FixturePlugin;
using vsecm::testing::TempDir;

PluginLoadOptions StoreOptions() {
  PluginLoadOptions o;
  o.expected_kind = VSECM_KIND_STORE;
  return o;
}

TEST(PluginLibraryTest, LoadsAWellFormedPlugin) {
  auto lib = LoadPluginLibrary(FixturePlugin("recording-store"), StoreOptions());
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ((*lib)->name(), "recording-store");
  EXPECT_EQ((*lib)->kind(), VSECM_KIND_STORE);
  EXPECT_EQ((*lib)->sha256().size(), 64u);
}

TEST(PluginLibraryTest, RefusesAnotherAbiMajorVersion) {
  auto lib = LoadPluginLibrary(FixturePlugin("test-wrong-abi"), StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(lib.status().message(), HasSubstr("test-wrong-abi.so"));
  EXPECT_THAT(lib.status().message(), HasSubstr("built for plugin ABI 2.0"));
  EXPECT_THAT(lib.status().message(), HasSubstr("this Safe speaks ABI 1.0"));
}

TEST(PluginLibraryTest, RefusesAnotherKind) {
  auto lib = LoadPluginLibrary(FixturePlugin("test-wrong-kind"), StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_THAT(lib.status().message(),
              HasSubstr("is a transform plugin, expected a store plugin"));
}

TEST(PluginLibraryTest, RefusesASharedObjectWithoutEntrySymbol) {
  auto lib = LoadPluginLibrary(FixturePlugin("test-no-entry"), StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_THAT(lib.status().message(), HasSubstr("has no entry symbol vsecm_plugin_entry_v1"));
  EXPECT_THAT(lib.status().message(), HasSubstr("test-no-entry.so"));
}

TEST(PluginLibraryTest, RefusesAPinMismatchAndNamesBothHashes) {
  PluginLoadOptions o = StoreOptions();
  o.sha256_pin = std::string(64, 'a');
  auto lib = LoadPluginLibrary(FixturePlugin("recording-store"), o);
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(lib.status().message(), HasSubstr("the configuration pins " + std::string(64, 'a')));
  EXPECT_THAT(lib.status().message(), HasSubstr("SHA-256 is "));
}

TEST(PluginLibraryTest, AcceptsTheRightPinInEitherCase) {
  auto first = LoadPluginLibrary(FixturePlugin("recording-store"), StoreOptions());
  ASSERT_TRUE(first.ok());
  PluginLoadOptions o = StoreOptions();
  std::string pin = (*first)->sha256();
  for (char& c : pin) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  o.sha256_pin = pin;
  EXPECT_TRUE(LoadPluginLibrary(FixturePlugin("recording-store"), o).ok());
}

TEST(PluginLibraryTest, RefusesAFileWhoseNameDiffersFromItsDescriptor) {
  TempDir dir;
  CopyFile(FixturePlugin("recording-store"), dir / "other-store.so");
  auto lib = LoadPluginLibrary(dir / "other-store.so", StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_THAT(lib.status().message(),
              HasSubstr("descriptor name is \"recording-store\", expected \"other-store\""));
}

TEST(PluginLibraryTest, RefusesMissingFilesSymlinksAndRelativePaths) {
  TempDir dir;
  auto missing = LoadPluginLibrary(dir / "absent.so", StoreOptions());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("absent.so: no such plugin file"));

  ASSERT_EQ(::symlink(FixturePlugin("recording-store").c_str(), (dir / "recording-store.so").c_str()), 0);
  auto link = LoadPluginLibrary(dir / "recording-store.so", StoreOptions());
  EXPECT_THAT(link.status().message(), HasSubstr("is a symbolic link"));

  // A FIFO named like a plugin: refused at once, by a load and by a directory scan.
  ASSERT_EQ(::mkfifo((dir / "fifo.so").c_str(), 0600), 0);
  auto fifo = LoadPluginLibrary(dir / "fifo.so", StoreOptions());
  EXPECT_THAT(fifo.status().message(), HasSubstr("fifo.so: not a regular file"));
  auto scanned = ScanPluginDirectory(dir.path(), StoreOptions());
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  bool fifo_refused = false;
  for (const auto& entry : *scanned) {
    if (entry.path == dir / "fifo.so") fifo_refused = !entry.refusal.ok();
  }
  EXPECT_TRUE(fifo_refused);

  auto relative = LoadPluginLibrary("recording-store.so", StoreOptions());
  EXPECT_THAT(relative.status().message(), HasSubstr("not an absolute path"));
  EXPECT_FALSE(PluginPath("/usr/lib/vsecm/plugins", "../../tmp/evil").ok());
  EXPECT_FALSE(PluginPath("relative/dir", "vsecm-store-fs").ok());
  EXPECT_EQ(*PluginPath("/p", "vsecm-store-fs"), "/p/vsecm-store-fs.so");
}

TEST(PluginLibraryTest, ProductionModeRefusesFilesWritableByOthers) {
  TempDir dir;
  CopyFile(FixturePlugin("recording-store"), dir / "recording-store.so", 0775);
  auto lib = LoadPluginLibrary(dir / "recording-store.so", StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_THAT(lib.status().message(), HasSubstr("mode 0775 lets group or others write it"));

  PluginLoadOptions dev = StoreOptions();
  dev.trust = PluginTrust::kDevelopment;
  EXPECT_TRUE(LoadPluginLibrary(dir / "recording-store.so", dev).ok());
}

TEST(PluginLibraryTest, ProductionModeRefusesFilesNotOwnedByRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "changing a file's owner needs root";
  TempDir dir;
  CopyFile(FixturePlugin("recording-store"), dir / "recording-store.so");
  ASSERT_EQ(::chown((dir / "recording-store.so").c_str(), 65534, 65534), 0);
  auto lib = LoadPluginLibrary(dir / "recording-store.so", StoreOptions());
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(lib.status().message(), HasSubstr("owned by uid 65534, expected root"));

  // And a directory that others may write, even with a root-owned file in it.
  TempDir open_dir;
  CopyFile(FixturePlugin("recording-store"), open_dir / "recording-store.so");
  ASSERT_EQ(::chmod(open_dir.path().c_str(), 0777), 0);
  auto in_open_dir = LoadPluginLibrary(open_dir / "recording-store.so", StoreOptions());
  EXPECT_THAT(in_open_dir.status().message(), HasSubstr("expected root-owned and not writable"));
}

TEST(PluginLibraryTest, ScanListsLoadedAndRefusedFiles) {
  PluginLoadOptions any;
  auto entries = ScanPluginDirectory(VSECM_TEST_FIXTURE_DIR, any);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  int loaded = 0, refused = 0;
  for (const auto& e : *entries) {
    EXPECT_EQ(e.sha256.size(), 64u) << e.path;
    (e.library ? loaded : refused)++;
  }
  EXPECT_GE(loaded, 3);   // recording-store, test-wrong-kind, test-failing-create
  EXPECT_GE(refused, 2);  // test-wrong-abi, test-no-entry
}

TEST(PluginInstanceTest, ReportsAFailingCreateWithoutCrashing) {
  auto lib = LoadPluginLibrary(FixturePlugin("test-failing-create"), StoreOptions());
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  auto instance = PluginInstance::Create(*lib, {});
  ASSERT_FALSE(instance.ok());
  EXPECT_THAT(instance.status().message(), HasSubstr("test-failing-create: create"));
  EXPECT_THAT(instance.status().message(), HasSubstr("cannot reach the backing service"));
}

TEST(PluginInstanceTest, TheLibraryOutlivesEveryInstance) {
  TempDir dir;
  std::weak_ptr<PluginLibrary> weak;
  std::unique_ptr<StoreProvider> store;
  {
    auto lib = LoadPluginLibrary(FixturePlugin("recording-store"), StoreOptions());
    ASSERT_TRUE(lib.ok());
    weak = *lib;
    auto instance = PluginInstance::Create(*lib, {{"directory", dir.path()}, {"put_delay_ms", "0"}});
    ASSERT_TRUE(instance.ok()) << instance.status().ToString();
    store = std::make_unique<StoreProvider>(std::move(instance).value());
  }
  ASSERT_FALSE(weak.expired()) << "the instance must keep its library loaded";
  const uint8_t bytes[] = {1, 2, 3};
  ASSERT_TRUE(store->Put("alpha", bytes).ok());
  auto got = store->Get("alpha");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, Bytes({1, 2, 3}));
  store.reset();
  EXPECT_TRUE(weak.expired()) << "the last instance releases its library";
}

TEST(PluginInstanceTest, APluginErrorNamesPluginAndOperation) {
  TempDir dir;
  auto lib = LoadPluginLibrary(FixturePlugin("recording-store"), StoreOptions());
  ASSERT_TRUE(lib.ok());
  auto instance = PluginInstance::Create(*lib, {{"directory", dir.path()}});
  ASSERT_TRUE(instance.ok());
  StoreProvider store(std::move(instance).value());
  auto got = store.Get("absent");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(got.status().message(), HasSubstr("recording-store: get"));
}

}  // namespace
}  // namespace vsecm::kernel
