// The bearer token: read into secure memory, re-read when its file rotates.
#include <gtest/gtest.h>

#include "k8s_test_util.hpp"
#include "vsecm/k8s/token_source.hpp"

namespace vsecm::k8s {
namespace {

using testing::TempDir;
using testing::WriteFile;

std::string Current(TokenSource& t) {
  std::string out;
  EXPECT_TRUE(t.Use([&](std::string_view token) { out = token; }).ok());
  return out;
}

TEST(TokenSourceTest, RotationIsNoticedAtTheRecheckInterval) {
  TempDir dir;
  WriteFile(dir / "token", "first\n");
  TokenSource t(dir / "token", std::chrono::seconds(0));  // check on every use
  ASSERT_TRUE(t.Load().ok());
  EXPECT_EQ(Current(t), "first") << "trailing newline removed";
  WriteFile(dir / "token", "second");  // a new inode, as the kubelet's symlink swap
  EXPECT_EQ(Current(t), "second");
}

TEST(TokenSourceTest, WithinTheIntervalOnlyRefreshRereads) {
  TempDir dir;
  WriteFile(dir / "token", "first");
  TokenSource t(dir / "token", std::chrono::seconds(3600));
  ASSERT_TRUE(t.Load().ok());
  WriteFile(dir / "token", "second");
  EXPECT_EQ(Current(t), "first");
  auto changed = t.Refresh();
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(*changed);
  EXPECT_EQ(Current(t), "second");
  EXPECT_FALSE(*t.Refresh()) << "unchanged";
}

TEST(TokenSourceTest, AMissingFileDuringRotationKeepsTheOldToken) {
  TempDir dir;
  WriteFile(dir / "token", "first");
  TokenSource t(dir / "token", std::chrono::seconds(0));
  ASSERT_TRUE(t.Load().ok());
  std::filesystem::remove(dir / "token");
  EXPECT_EQ(Current(t), "first");
  auto refreshed = t.Refresh();
  EXPECT_FALSE(refreshed.ok());
  EXPECT_NE(refreshed.status().message().find(dir / "token"), std::string::npos);
}

TEST(TokenSourceTest, EmptyFileIsAnErrorAndStaticTokensNeverChange) {
  TempDir dir;
  WriteFile(dir / "token", "\n");
  TokenSource empty(dir / "token", std::chrono::seconds(60));
  Status s = empty.Load();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("empty"), std::string::npos);

  TokenSource fixed(kernel::SecretBytes::CopyOf(std::string_view("static")));
  EXPECT_EQ(Current(fixed), "static");
  EXPECT_FALSE(*fixed.Refresh());
  TokenSource none;
  EXPECT_EQ(Current(none), "");
}

}  // namespace
}  // namespace vsecm::k8s
