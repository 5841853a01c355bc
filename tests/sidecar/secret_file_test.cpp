// SecretFile: atomic replacement, mode 0600, rewrites only on change, failures leave the file.
#include "secret_file.hpp"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <filesystem>

#include "test_support.hpp"

namespace vsecm::sidecar {
namespace {

using testing::ReadAll;
using testing::TempDir;

struct stat Stat(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st;
}

size_t EntriesIn(const std::string& dir) {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++n;
  return n;
}

TEST(SecretFileTest, WritesExactlyTheDataWithMode0600AndNoLeftovers) {
  TempDir dir;
  SecretFile file(dir / "secrets.json");
  auto wrote = file.Update(kernel::SecretBytes::CopyOf(std::string_view("{\"a\":1}\n\0x", 10)));
  ASSERT_TRUE(wrote.ok()) << wrote.status().ToString();
  EXPECT_TRUE(*wrote);
  EXPECT_EQ(ReadAll(dir / "secrets.json"), std::string("{\"a\":1}\n\0x", 10));
  EXPECT_EQ(Stat(dir / "secrets.json").st_mode & 07777, 0600u);
  EXPECT_EQ(EntriesIn(dir.path()), 1u);  // the temporary file was renamed, not left behind
}

TEST(SecretFileTest, RewritesOnlyWhenTheContentChanged) {
  TempDir dir;
  SecretFile file(dir / "s");
  ASSERT_TRUE(*file.Update(kernel::SecretBytes::CopyOf("one")));
  const ino_t first = Stat(dir / "s").st_ino;
  auto again = file.Update(kernel::SecretBytes::CopyOf("one"));
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(*again);
  EXPECT_EQ(Stat(dir / "s").st_ino, first);
  ASSERT_TRUE(*file.Update(kernel::SecretBytes::CopyOf("two")));
  EXPECT_NE(Stat(dir / "s").st_ino, first);  // a new file renamed over the old one
  EXPECT_EQ(ReadAll(dir / "s"), "two");
  ASSERT_TRUE(*file.Update(kernel::SecretBytes::CopyOf("twO")));  // same size, other bytes
  EXPECT_EQ(ReadAll(dir / "s"), "twO");
}

TEST(SecretFileTest, AdoptsAnExistingFileSoARestartDoesNotRewriteIt) {
  TempDir dir;
  ASSERT_TRUE(WriteFileAtomically(dir / "s", kernel::SecretBytes::CopyOf("kept").Expose()).ok());
  const ino_t inode = Stat(dir / "s").st_ino;
  SecretFile file(dir / "s");
  file.AdoptExisting();
  EXPECT_FALSE(*file.Update(kernel::SecretBytes::CopyOf("kept")));
  EXPECT_EQ(Stat(dir / "s").st_ino, inode);
  EXPECT_TRUE(*file.Update(kernel::SecretBytes::CopyOf("new")));
  // Without a file there is nothing to adopt: the first update writes.
  SecretFile fresh(dir / "other");
  fresh.AdoptExisting();
  EXPECT_TRUE(*fresh.Update(kernel::SecretBytes::CopyOf("x")));
}

TEST(SecretFileTest, AFailedWriteNamesTheDirectoryAndLeavesTheOldFile) {
  TempDir dir;
  SecretFile missing(dir / "no-such-dir/s");
  auto r = missing.Update(kernel::SecretBytes::CopyOf("value-not-in-errors"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no-such-dir"), std::string::npos) << r.status().message();
  EXPECT_EQ(r.status().message().find("value-not-in-errors"), std::string::npos);
  // A directory where the file should be: rename fails, and the directory is left alone.
  std::filesystem::create_directory(dir / "taken");
  std::filesystem::create_directory(dir / "taken/inner");
  SecretFile taken(dir / "taken");
  EXPECT_FALSE(taken.Update(kernel::SecretBytes::CopyOf("x")).ok());
  EXPECT_TRUE(std::filesystem::is_directory(dir / "taken/inner"));
  EXPECT_EQ(EntriesIn(dir.path()), 1u);  // no temporary file left
}

}  // namespace
}  // namespace vsecm::sidecar
