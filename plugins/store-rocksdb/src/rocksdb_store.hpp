// vsecm-store-rocksdb: cipher text in one RocksDB database. Every put and remove is a synced
// WriteBatch (WAL fsynced before the call returns); the current value and `backup_count`
// previous ones are kept per record (see version_keys.hpp).
#ifndef VSECM_PLUGINS_STORE_ROCKSDB_ROCKSDB_STORE_HPP_
#define VSECM_PLUGINS_STORE_ROCKSDB_ROCKSDB_STORE_HPP_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "version_keys.hpp"
#include "vsecm/sdk/plugin.hpp"

namespace rocksdb {
class DB;
class Status;
struct ReadOptions;
}  // namespace rocksdb

namespace vsecm::store_rocksdb {

class RocksDbStore final : public sdk::StorePlugin {
 public:
  static constexpr const char* kName = "vsecm-store-rocksdb";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "keeps cipher text and its last versions in a RocksDB database with synced writes";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;
  static constexpr vsecm_config_field kConfig[] = {
      {"path", VSECM_CONFIG_STRING, 0, "/var/local/vsecm/rocksdb", "VSECM_SAFE_ROCKSDB_PATH",
       "the RocksDB database directory (created with mode 0700)"},
      {"backup_count", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT",
       "how many previous versions of each record are kept (0 to 1000)"}};

  // Opens (or creates) the database; throws StatusError when it cannot.
  explicit RocksDbStore(sdk::Host host);
  ~RocksDbStore() override;

  Status Put(std::string_view name, sdk::ByteView ciphertext) override;
  Status Get(std::string_view name, sdk::Sink& out) override;
  Status Remove(std::string_view name) override;
  Status List(const std::function<Status(std::string_view name)>& visit) override;

 private:
  // Writers of one name are serialized (a put reads the range it replaces); writers of
  // different names proceed in parallel and share WAL syncs through RocksDB's group commit.
  static constexpr size_t kStripes = 64;
  std::mutex& StripeFor(std::string_view name);

  Status Open();
  Status CheckLayout();
  // The range of `name`, nullopt when absent; DATA_LOSS when its range record is malformed.
  StatusOr<std::optional<VersionRange>> ReadRange(const rocksdb::ReadOptions& options,
                                                  std::string_view name);
  // Maps a RocksDB status to ours; `what` says which operation failed.
  Status Translate(const rocksdb::Status& status, std::string_view what) const;

  std::string path_;
  uint64_t backup_count_ = 3;
  std::unique_ptr<rocksdb::DB> db_;
  std::array<std::mutex, kStripes> stripes_;
};

}  // namespace vsecm::store_rocksdb

#endif  // VSECM_PLUGINS_STORE_ROCKSDB_ROCKSDB_STORE_HPP_
