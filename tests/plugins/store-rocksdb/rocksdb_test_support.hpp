// Helpers for the vsecm-store-rocksdb tests: temporary directories, the plugin under test through
// the SDK's StoreHarness, and direct access to the database the plugin wrote (opened only while
// no plugin instance holds it).
#ifndef VSECM_TESTS_PLUGINS_STORE_ROCKSDB_TEST_SUPPORT_HPP_
#define VSECM_TESTS_PLUGINS_STORE_ROCKSDB_TEST_SUPPORT_HPP_

#include <rocksdb/db.h>
#include <stdlib.h>

#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/sdk/status.hpp"
#include "vsecm/sdk/testing/store_harness.hpp"

namespace vsecm::testing {

inline const std::string kRocksDbPlugin =
    std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-store-rocksdb.so";

// A fresh directory under $TMPDIR, removed at scope exit.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-rocksdb-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Deterministic, incompressible bytes (splitmix64 of `seed`).
inline std::vector<uint8_t> Pattern(size_t n, uint64_t seed) {
  std::vector<uint8_t> out(n);
  uint64_t x = seed;
  for (size_t i = 0; i < n; i += 8) {
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<uint8_t>(z >> (8 * j));
  }
  return out;
}

// A store instance on `db_path` with `backup_count` previous versions.
inline StatusOr<std::unique_ptr<sdk::testing::StoreHarness>> OpenRocksDbStore(
    const std::string& db_path, int backup_count = 3) {
  VSECM_ASSIGN_OR_RETURN(const sdk::testing::StoreLibrary* library,
                         sdk::testing::StoreLibrary::Open(kRocksDbPlugin));
  return sdk::testing::StoreHarness::Create(
      *library, {{"path", db_path}, {"backup_count", std::to_string(backup_count)}});
}

// Every key and value of the database at `path`, read directly with RocksDB.
std::map<std::string, std::string> DumpDatabase(const std::string& path);

// Writes `entries` directly (for layouts the plugin would never write itself).
void WriteDirectly(const std::string& path, const std::map<std::string, std::string>& entries);

// Flushes the memtable so that every record lives in an SST file.
void FlushDatabase(const std::string& path);

// Flips one byte in the middle of the first occurrence of `needle` in any SST file of `path`;
// false when no SST file contains it.
bool CorruptInSst(const std::string& path, std::span<const uint8_t> needle);

// What a kill between a WAL write() and its fsync can leave: the start of a WAL record that
// would have put `value` under `name`, cut off in its middle, at the end of the newest log.
// Opens (recovers) the database first, so successive calls model crash, restart, crash.
vsecm::Status AppendTornWalRecord(const std::string& path, std::string_view name,
                                  std::span<const uint8_t> value);

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_PLUGINS_STORE_ROCKSDB_TEST_SUPPORT_HPP_
