// Helpers shared by the kernel tests: temporary directories and file copies.
#ifndef VSECM_TESTS_KERNEL_TEST_SUPPORT_HPP_
#define VSECM_TESTS_KERNEL_TEST_SUPPORT_HPP_

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "vsecm/sdk/status.hpp"

// Asserts that a Status is ok, printing it when it is not.
#define ASSERT_OK(expr)                                   \
  do {                                                    \
    const ::vsecm::Status vsecm_assert_status_ = (expr);  \
    ASSERT_TRUE(vsecm_assert_status_.ok()) << vsecm_assert_status_.ToString(); \
  } while (0)

namespace vsecm::testing {

// A fresh directory under $TMPDIR (mode 0700, owned by the test's user), removed at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-test-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline std::string FixturePlugin(const std::string& name) {
  return std::string(VSECM_TEST_FIXTURE_DIR) + "/" + name + ".so";
}
inline std::string ProductPlugin(const std::string& name) {
  return std::string(VSECM_TEST_PLUGIN_DIR) + "/" + name + ".so";
}

inline void CopyFile(const std::string& from, const std::string& to, mode_t mode = 0755) {
  std::filesystem::copy_file(from, to, std::filesystem::copy_options::overwrite_existing);
  ::chmod(to.c_str(), mode);
}

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_KERNEL_TEST_SUPPORT_HPP_
