// The scanner itself: a scan that cannot find an encoded canary would prove nothing.
#include "canary_scanner.hpp"

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace vsecm::testing {
namespace {

TEST(CanaryScannerTest, Base64MatchesAKnownVector) {
  EXPECT_EQ(Base64("foobar", false), "Zm9vYmFy");
  EXPECT_EQ(Base64("fo", false), "Zm8");
  EXPECT_EQ(Base64("\xfb\xff", false), "+/8");
  EXPECT_EQ(Base64("\xfb\xff", true), "-_8");
  EXPECT_EQ(Hex("\x01\xab", false), "01ab");
}

TEST(CanaryScannerTest, FindsEveryEncodingAtEveryOffset) {
  const std::string canary = NewCanary("self");
  const CanaryScanner scanner({NewCanary("other"), canary});
  for (size_t prefix = 0; prefix < 3; ++prefix) {
    for (bool url : {false, true}) {
      const std::string framed = std::string(prefix, '{') + canary + "}\n";
      const std::string image = "header " + Base64(framed, url) + " trailer";
      auto hits = scanner.Scan(image, "b64");
      ASSERT_EQ(hits.size(), 1u) << "prefix " << prefix << " url " << url;
      EXPECT_EQ(hits[0].canary, 1u);
    }
  }
  const std::string image = "x" + canary + "y" + Hex(canary, false) + "z" + Hex(canary, true);
  auto hits = scanner.Scan(image, "mixed");
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].offset, 1u);
  EXPECT_EQ(hits[0].encoding, "raw");
  EXPECT_EQ(scanner.Scan(canary.substr(0, canary.size() - 1), "cut").size(), 0u);
  EXPECT_EQ(scanner.Scan(std::string(1 << 16, '\0'), "zeros").size(), 0u);
}

TEST(CanaryScannerTest, ScansTreesButTheExcludedFiles) {
  const std::string canary = NewCanary("tree");
  const CanaryScanner scanner({canary});
  TempDir dir;
  std::filesystem::create_directories(dir / "a/b");
  std::ofstream(dir / "a/b/leak") << "..." << canary << "...";
  std::ofstream(dir / "a/clean") << "nothing here";
  std::ofstream(dir / "out") << canary;
  TreeScan scan = ScanTrees(scanner, {dir.path()}, {dir / "out"});
  EXPECT_EQ(scan.files, 2u);
  EXPECT_EQ(scan.bytes, canary.size() + 6 + 12);
  ASSERT_EQ(scan.hits.size(), 1u);
  EXPECT_EQ(scan.hits[0].where, dir / "a/b/leak");
  EXPECT_EQ(scan.hits[0].offset, 3u);
}

}  // namespace
}  // namespace vsecm::testing
