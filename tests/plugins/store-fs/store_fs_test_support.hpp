// Helpers for the vsecm-store-fs tests: where the plugin is, and what a crash mid-put leaves.
#ifndef VSECM_TESTS_PLUGINS_STORE_FS_STORE_FS_TEST_SUPPORT_HPP_
#define VSECM_TESTS_PLUGINS_STORE_FS_STORE_FS_TEST_SUPPORT_HPP_

#include <fcntl.h>
#include <unistd.h>

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/sdk/testing/store_harness.hpp"

#include "vsecm/sdk/status.hpp"
#include "vsecm/store_fs/layout.hpp"

namespace vsecm::store_fs::testing {

inline std::string PluginPath() { return std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-store-fs.so"; }

// What a put killed after writing half of its temporary file leaves in <dir>/data: a
// `.tmp-…` file with the frame header and half the cipher text, never renamed into place.
inline Status LeaveHalfWrittenTempFile(const std::string& dir, std::string_view name,
                                       std::span<const uint8_t> value) {
  const std::string path = dir + "/data/" + std::string(kTempPrefix) +
                           std::to_string(std::hash<std::string_view>{}(name) % 1000000);
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) return Internal("create " + path + ": " + std::strerror(errno));
  const FrameHeader header = MakeFrameHeader(value);
  bool ok = ::write(fd, header.data(), header.size()) == static_cast<ssize_t>(header.size());
  const size_t half = value.size() / 2;
  ok = ok && ::write(fd, value.data(), half) == static_cast<ssize_t>(half);
  ::close(fd);
  return ok ? Status::Ok() : Internal("write " + path);
}

// A fresh mkdtemp() directory, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-store-fs-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::vector<uint8_t> ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}
inline void WriteBytes(const std::string& path, std::span<const uint8_t> bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}
inline mode_t ModeOf(const std::string& path) {
  struct stat st {};
  ::lstat(path.c_str(), &st);
  return st.st_mode & 07777;
}

// The cipher text inside a store-fs file, or "<unreadable: why>".
inline std::string PayloadOf(const std::string& path) {
  const std::vector<uint8_t> file = ReadBytes(path);
  auto payload = OpenFrame(file);
  if (!payload.ok()) return "<unreadable: " + payload.status().message() + ">";
  return std::string(payload->begin(), payload->end());
}

inline const sdk::testing::StoreLibrary& Library() {
  static const sdk::testing::StoreLibrary* library = [] {
    auto l = sdk::testing::StoreLibrary::Open(PluginPath());
    if (!l.ok()) {
      std::fprintf(stderr, "%s\n", l.status().ToString().c_str());
      std::abort();
    }
    return *l;
  }();
  return *library;
}

// A store-fs instance on `path` with `backup_count`.
inline StatusOr<std::unique_ptr<sdk::testing::StoreHarness>> OpenStore(
    const std::string& path, const std::string& backup_count = "3") {
  return sdk::testing::StoreHarness::Create(Library(),
                                            {{"path", path}, {"backup_count", backup_count}});
}

}  // namespace vsecm::store_fs::testing

#endif  // VSECM_TESTS_PLUGINS_STORE_FS_STORE_FS_TEST_SUPPORT_HPP_
