// The database schema and its migrations. The version lives in PRAGMA user_version; each
// migration runs in one transaction together with the user_version it leads to, so a crash
// leaves the database at one version or the next, never between.
//
//   version 0  unversioned: either a new, empty database, or the single-value layout
//              `secrets(name TEXT PRIMARY KEY, ciphertext BLOB NOT NULL)` (no backups)
//   version 1  `versions(name, seq, ciphertext, stored_at_ms)`: the current value of a record is
//              its highest seq; up to backup_count older rows are kept as backups
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_SCHEMA_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_SCHEMA_HPP_

#include <cstdint>

#include "sqlite_db.hpp"
#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::store_sqlcipher {

inline constexpr int64_t kSchemaVersion = 1;

// Brings the database to kSchemaVersion, one migration at a time. Refuses a database whose
// version is newer than this plugin knows (a newer plugin wrote it), changing nothing.
Status MigrateSchema(Connection& connection, const sdk::Host& host);

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_SCHEMA_HPP_
