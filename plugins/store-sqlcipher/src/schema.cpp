#include "schema.hpp"

#include <iterator>
#include <string>

namespace vsecm::store_sqlcipher {
namespace {

using Migration = Status (*)(Connection&);

Status CreateVersionsTable(Connection& db) {
  return db.Exec(
      "CREATE TABLE versions ("
      "  name TEXT NOT NULL,"
      "  seq INTEGER NOT NULL,"
      "  ciphertext BLOB NOT NULL,"
      "  stored_at_ms INTEGER NOT NULL,"
      "  PRIMARY KEY (name, seq))",
      "creating the versions table");
}

// 0 → 1: records gain versions. Rows of the single-value layout become version 1 of their name.
Status MigrateFrom0(Connection& db) {
  VSECM_RETURN_IF_ERROR(CreateVersionsTable(db));
  VSECM_ASSIGN_OR_RETURN(
      int64_t legacy,
      db.QueryInt("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'secrets'",
                  "looking for the unversioned table"));
  if (legacy == 0) return Status::Ok();
  VSECM_RETURN_IF_ERROR(
      db.Exec("INSERT INTO versions (name, seq, ciphertext, stored_at_ms) "
              "SELECT name, 1, ciphertext, 0 FROM secrets",
              "copying the unversioned records"));
  return db.Exec("DROP TABLE secrets", "dropping the unversioned table");
}

// kMigrations[v] takes a database from version v to v + 1.
constexpr Migration kMigrations[] = {&MigrateFrom0};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration per schema version");

}  // namespace

Status MigrateSchema(Connection& db, const sdk::Host& host) {
  VSECM_ASSIGN_OR_RETURN(int64_t version,
                         db.QueryInt("PRAGMA user_version", "reading the schema version"));
  if (version > kSchemaVersion) {
    return FailedPrecondition("the database " + db.path() + " has schema version " +
                              std::to_string(version) + ", newer than the " +
                              std::to_string(kSchemaVersion) +
                              " this plugin knows; it was written by a newer "
                              "vsecm-store-sqlcipher, which is needed to read it");
  }
  if (version < 0) {
    return DataLoss("the database " + db.path() + " has an invalid schema version " +
                    std::to_string(version));
  }
  for (; version < kSchemaVersion; ++version) {
    const std::string to = std::to_string(version + 1);
    VSECM_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(db));
    Status s = kMigrations[version](db);
    if (s.ok()) s = db.Exec("PRAGMA user_version = " + to, "recording the schema version");
    if (s.ok()) s = transaction->Commit();
    if (!s.ok()) {
      return s.WithContext("migrating " + db.path() + " from schema version " +
                           std::to_string(version) + " to " + to);
    }
    host.Log(sdk::LogLevel::kInfo, "migrated " + db.path() + " from schema version " +
                                       std::to_string(version) + " to " + to);
  }
  return Status::Ok();
}

}  // namespace vsecm::store_sqlcipher
