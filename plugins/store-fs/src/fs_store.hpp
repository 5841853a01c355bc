// vsecm-store-fs: one framed, encrypted file per secret under a data path, plus the last
// `backup_count` versions, written so that an acknowledged put survives a crash or power loss
// and a failed or interrupted put never damages the previous value.
//
// WRITE PROTOCOL (put): write header + cipher text to a new temporary file in the data
// directory (O_EXCL, 0600), fsync it; then, under the name's lock, shift backups k -> k+1,
// hard-link the current file as backup 1, rename the temporary file over <name>.age, and fsync
// both directories. The current file exists at every instant, so a crash at any point leaves
// either the old or the new value readable, never neither and never a mix.
//
// THREADING: thread-safe. Puts and removes of one name are serialized by a striped lock;
// different names proceed in parallel; gets and lists take no lock (rename is atomic).
#ifndef VSECM_STORE_FS_FS_STORE_HPP_
#define VSECM_STORE_FS_FS_STORE_HPP_

#include <array>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "posix_io.hpp"
#include "vsecm/sdk/plugin.hpp"

namespace vsecm::store_fs {

class FsStore final : public sdk::StorePlugin {
 public:
  static constexpr const char* kName = "vsecm-store-fs";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "one encrypted file per secret with backups, fsynced before acknowledging";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;
  static constexpr vsecm_config_field kConfig[] = {
      {"path", VSECM_CONFIG_STRING, 0, "/var/local/vsecm/data", "VSECM_SAFE_DATA_PATH",
       "directory holding one encrypted file per secret (created 0700; must not be a symlink "
       "or writable by others)"},
      {"backup_count", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT",
       "older versions kept per secret, 0 to 100"},
  };

  // Checks the configuration and the directory, takes the data path's lock and removes writes
  // left unfinished by a crash. Throws StatusError to refuse.
  explicit FsStore(sdk::Host host);
  ~FsStore() override = default;

  Status Put(std::string_view name, sdk::ByteView ciphertext) override;
  Status Get(std::string_view name, sdk::Sink& out) override;
  Status Remove(std::string_view name) override;
  Status List(const std::function<Status(std::string_view name)>& visit) override;

 private:
  // fs_store_open.cpp
  Status OpenDataPath();
  Status CheckDirectory(int fd, const std::string& shown);
  Status TakeLock();
  Status RemoveLeftovers();

  // fs_store.cpp
  Status Publish(std::string_view name, const std::string& temp_name);
  Status RotateBackups(std::string_view name);
  std::string NewTempName() const;
  std::string Shown(bool backup, const std::string& file) const;
  std::mutex& StripeFor(std::string_view name);

  std::string path_;
  int backup_count_ = 3;
  UniqueFd data_dir_;
  UniqueFd backup_dir_;
  UniqueFd lock_file_;
  std::array<std::mutex, 64> stripes_;
};

}  // namespace vsecm::store_fs

#endif  // VSECM_STORE_FS_FS_STORE_HPP_
