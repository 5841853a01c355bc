// How vsecm-store-sqlcipher is linked: against libsqlcipher only (never the system libsqlite3),
// exporting nothing but its entry symbol.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "sqlcipher_test_support.hpp"

namespace vsecm::testing {
namespace {

std::vector<std::string> Lines(const std::string& command) {
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return lines;
  char line[1024];
  while (std::fgets(line, sizeof line, pipe) != nullptr) lines.emplace_back(line);
  EXPECT_EQ(::pclose(pipe), 0) << command;
  return lines;
}

TEST(SqlCipherLinkageTest, NeedsLibsqlcipherAndNotTheSystemSqlite) {
  std::string needed;
  for (const std::string& line : Lines("readelf -d " + kSqlCipherPlugin)) {
    if (line.find("(NEEDED)") != std::string::npos) needed += line;
  }
  EXPECT_NE(needed.find("[libsqlcipher.so.0]"), std::string::npos) << needed;
  EXPECT_EQ(needed.find("libsqlite3"), std::string::npos) << needed;
  // Nor through any dependency.
  for (const std::string& line : Lines("ldd " + kSqlCipherPlugin)) {
    EXPECT_EQ(line.find("libsqlite3"), std::string::npos) << line;
  }
}

TEST(SqlCipherLinkageTest, ExportsOnlyItsEntrySymbol) {
  EXPECT_EQ(Lines("nm -D --defined-only " + kSqlCipherPlugin).size(), 1u);
  auto lines = Lines("nm -D --defined-only " + kSqlCipherPlugin);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find(" T vsecm_plugin_entry_v1"), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace vsecm::testing
