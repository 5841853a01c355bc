#include "secret_input.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "test_support.hpp"

namespace vsecm::sentinel {
namespace {

TEST(SecretInputTest, ReadsAPipeWhole) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string big(10000, 'x');
  big += "end\n";
  ASSERT_EQ(::write(fds[1], big.data(), big.size()), static_cast<ssize_t>(big.size()));
  ::close(fds[1]);
  auto data = ReadSecretFd(fds[0], "stdin");
  ::close(fds[0]);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->ExposeText(), big);
  EXPECT_EQ(DropFinalNewline(*data).ExposeText(), big.substr(0, big.size() - 1));
}

TEST(SecretInputTest, DropFinalNewlineDropsOnlyOne) {
  auto drop = [](std::string_view s) {
    return std::string(DropFinalNewline(kernel::SecretBytes::CopyOf(s)).ExposeText());
  };
  EXPECT_EQ(drop("a\n\n"), "a\n");
  EXPECT_EQ(drop("a\r\n"), "a");
  EXPECT_EQ(drop("a"), "a");
  EXPECT_EQ(drop(""), "");
}

TEST(SecretInputTest, FilesAndMissingFiles) {
  testing::TempDir dir;
  std::ofstream(dir / "f") << "content";
  auto data = ReadSecretFile(dir / "f");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(data->ExposeText(), "content");
  EXPECT_EQ(ReadSecretFile(dir / "missing").status().code(), StatusCode::kNotFound);
}

TEST(SecretInputTest, RootKeyText) {
  auto parts = ParseRootKeyText("AGE-SECRET-KEY-1ABC\r\n  age1xyz \n\n00112233\n");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_EQ(parts->age_secret_key.ExposeText(), "AGE-SECRET-KEY-1ABC");
  EXPECT_EQ(parts->age_public_key.ExposeText(), "age1xyz");
  EXPECT_EQ(parts->aes_cipher_key.ExposeText(), "00112233");

  EXPECT_NE(ParseRootKeyText("a\nb").status().message().find("three lines"), std::string::npos);
  EXPECT_NE(ParseRootKeyText("x\nage1\nff").status().message().find("line 1"), std::string::npos);
  EXPECT_NE(ParseRootKeyText("AGE-SECRET-KEY-1\nx\nff").status().message().find("line 2"),
            std::string::npos);
}

}  // namespace
}  // namespace vsecm::sentinel
