// vsecm-store-sqlcipher: cipher text in one SQLCipher database whose pages are encrypted with
// the store key the kernel derives from the root key, so record names and metadata are
// encrypted at rest too. Until set_key, every call is FAILED_PRECONDITION.
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_SQLCIPHER_STORE_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_SQLCIPHER_STORE_HPP_

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "sqlite_db.hpp"
#include "vsecm/sdk/plugin.hpp"

namespace vsecm::store_sqlcipher {

class SqlCipherStore final : public sdk::StorePlugin {
 public:
  static constexpr const char* kName = "vsecm-store-sqlcipher";
  static constexpr const char* kVersion = "1.0.0";
  static constexpr const char* kDescription =
      "keeps cipher text and its last versions in a SQLCipher database encrypted with a key "
      "derived from the root key";
  static constexpr uint32_t kFlags = VSECM_PLUGIN_FLAG_THREAD_SAFE;  // one connection, one mutex
  static constexpr vsecm_config_field kConfig[] = {
      {"path", VSECM_CONFIG_STRING, 0, "/var/local/vsecm/vsecm.db", "VSECM_SAFE_SQLCIPHER_PATH",
       "the database file (mode 0600, its directory 0700)"},
      {"backup_count", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT",
       "how many previous versions of each record are kept (0 to 1000)"}};

  // Checks the configuration and prepares the directory; the database opens in SetKey.
  explicit SqlCipherStore(sdk::Host host);
  ~SqlCipherStore() override;

  Status SetKey(sdk::ByteView key) override;
  Status Put(std::string_view name, sdk::ByteView ciphertext) override;
  Status Get(std::string_view name, sdk::Sink& out) override;
  Status Remove(std::string_view name) override;
  Status List(const std::function<Status(std::string_view name)>& visit) override;

 private:
  // OK when the database is open; otherwise why not. Requires mutex_.
  Status Ready() const;
  bool SameKey(sdk::ByteView key) const;
  // The statements of one put, finalized before its transaction commits. Requires mutex_.
  Status WriteVersion(std::string_view name, sdk::ByteView ciphertext);

  std::string path_;
  int64_t backup_count_ = 3;
  std::mutex mutex_;
  std::unique_ptr<Connection> db_;  // guarded by mutex_; null until SetKey succeeds
  sdk::SecureBlock key_;            // guarded by mutex_; the key db_ was opened with
  Status not_open_;                 // guarded by mutex_; why db_ is null
};

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_SQLCIPHER_STORE_HPP_
