// Helpers for the vsecm-store-sqlcipher tests: the plugin driven through its C ABI with control
// over set_key, and direct access to the database file with the same cipher settings (for
// databases made by hand, and for looking at what the plugin wrote). Direct access goes through
// the same libsqlcipher.so the plugin uses, and only while no plugin instance has the file open.
#ifndef VSECM_TESTS_PLUGINS_STORE_SQLCIPHER_TEST_SUPPORT_HPP_
#define VSECM_TESTS_PLUGINS_STORE_SQLCIPHER_TEST_SUPPORT_HPP_

#include <stdlib.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/sdk/status.hpp"
#include "vsecm/sdk/testing/store_harness.hpp"

namespace vsecm::testing {

using Key = std::array<uint8_t, 32>;

inline const std::string kSqlCipherPlugin =
    std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-store-sqlcipher.so";

// The key StoreHarness (and the conformance suite) hands set_key, and a different one.
inline Key ConformanceKey() {
  Key k;
  std::copy(sdk::testing::kConformanceStoreKey.begin(), sdk::testing::kConformanceStoreKey.end(),
            k.begin());
  return k;
}
inline Key OtherKey() {
  Key k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(0xa5 ^ (i * 7));
  return k;
}

// A fresh directory under $TMPDIR, removed at scope exit.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A plugin instance whose key is handed over (or not) by the test. Calls are made directly on
// the C function table with a FakeHost underneath.
class SqlCipherInstance {
 public:
  // Creates an instance for database file `path`; hands it `key` unless nullopt.
  static StatusOr<std::unique_ptr<SqlCipherInstance>> Create(const std::string& path,
                                                             std::optional<Key> key,
                                                             int backup_count = 3);
  ~SqlCipherInstance();

  Status SetKey(std::span<const uint8_t> key);
  Status Put(std::string_view name, std::span<const uint8_t> value);
  Status Put(std::string_view name, std::string_view value);
  StatusOr<std::vector<uint8_t>> Get(std::string_view name);
  StatusOr<std::string> GetText(std::string_view name);
  Status Remove(std::string_view name);
  StatusOr<std::vector<std::string>> List();

  sdk::testing::FakeHost& host() { return *host_; }

 private:
  SqlCipherInstance() = default;
  const vsecm_store_v1& table() const;

  const sdk::testing::StoreLibrary* library_ = nullptr;
  std::unique_ptr<sdk::testing::FakeHost> host_;
  void* instance_ = nullptr;
};

// Runs `sql` on `path` opened directly under `key` (same cipher settings as the plugin) and
// returns every row as text cells joined by '|'. Throws std::runtime_error on failure, with
// SQLite's message.
std::vector<std::string> QueryDirectly(const std::string& path, const Key& key,
                                       const std::string& sql);

// What the SQLite result code of opening `path` under `key` and reading its schema is.
int ProbeDirectly(const std::string& path, const Key& key);

// Leaves `path` as a kill -9 during an uncommitted transaction would: WAL frames of a write of
// `value` under `name` (with enough filler in the same transaction to force them out of the
// page cache) but no commit frame. Returns the number of WAL bytes left behind.
StatusOr<size_t> LeaveUncommittedWal(const std::string& path, const Key& key, std::string_view name,
                                     std::span<const uint8_t> value);

// The bytes of a file, "" when it does not exist.
std::string ReadFileBytes(const std::string& path);

// Deterministic, incompressible bytes (splitmix64 of `seed`).
std::vector<uint8_t> Pattern(size_t n, uint64_t seed);

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_PLUGINS_STORE_SQLCIPHER_TEST_SUPPORT_HPP_
