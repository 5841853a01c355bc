#include "keyed_database.hpp"

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>
#include <sys/stat.h>

#include "store_files.hpp"

namespace vsecm::store_sqlcipher {
namespace {

constexpr const char* kPageSizePragma = "PRAGMA cipher_page_size = 4096";

bool Exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

// Hands SQLCipher the raw key "x'<64 hex digits>'" for database `schema`; the text is built
// and wiped in host secure memory.
Status ApplyKey(Connection& db, const char* schema, sdk::ByteView key, const sdk::Host& host) {
  if (key.size() != kStoreKeyBytes) {
    return InvalidArgument("the store key must be 32 bytes, not " + std::to_string(key.size()));
  }
  static constexpr char kHex[] = "0123456789abcdef";
  sdk::SecureBlock text = host.SecureAlloc(3 + 2 * kStoreKeyBytes);
  uint8_t* p = text.data();
  *p++ = 'x';
  *p++ = '\'';
  for (uint8_t b : key) {
    *p++ = static_cast<uint8_t>(kHex[b >> 4]);
    *p++ = static_cast<uint8_t>(kHex[b & 0xf]);
  }
  *p = '\'';
  int rc = sqlite3_key_v2(db.get(), schema, text.data(), static_cast<int>(text.size()));
  return rc == SQLITE_OK ? Status::Ok() : db.Error(rc, "applying the store key");
}

Status LockedError(const std::string& path) {
  return FailedPrecondition("the database " + path +
                            " is locked by another process (is another Safe running?)");
}

// Runs one step of opening, where "not a database" means the key is wrong and "busy" means
// someone else holds the file.
Status OpenStep(Connection& db, const char* sql, std::string_view what) {
  int rc = sqlite3_exec(db.get(), sql, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return Status::Ok();
  if (rc == SQLITE_NOTADB) {
    return PermissionDenied("the store key does not open " + db.path() +
                            ": file is encrypted or is not a database (was it written under "
                            "another root key?)");
  }
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return LockedError(db.path());
  return db.Error(rc, what);
}

// Opens `path` under `key` far enough to prove that the key opens it; changes nothing.
Status ProbeKey(const std::string& path, sdk::ByteView key, const sdk::Host& host) {
  VSECM_ASSIGN_OR_RETURN(auto db, Connection::Open(path));
  VSECM_RETURN_IF_ERROR(ApplyKey(*db, "main", key, host));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, kPageSizePragma, "setting the page size"));
  return OpenStep(*db, "SELECT count(*) FROM sqlite_master", "reading the schema");
}

StatusOr<std::unique_ptr<Connection>> OpenOnce(const std::string& path, sdk::ByteView key,
                                               const sdk::Host& host) {
  VSECM_ASSIGN_OR_RETURN(auto db, Connection::Open(path));
  // Against a plain SQLite library sqlite3_key would be missing or a no-op and the database
  // would be written in clear text: refuse rather than find out later.
  VSECM_ASSIGN_OR_RETURN(std::string cipher, db->QueryText("PRAGMA cipher_version", "checking"));
  if (cipher.empty()) {
    return FailedPrecondition("the SQLite library in use is not SQLCipher; refusing to open " +
                              path + " unencrypted");
  }
  VSECM_RETURN_IF_ERROR(ApplyKey(*db, "main", key, host));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, kPageSizePragma, "setting the page size"));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "PRAGMA locking_mode = EXCLUSIVE", "locking"));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "SELECT count(*) FROM sqlite_master", "reading the schema"));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "PRAGMA journal_mode = WAL", "entering WAL mode"));
  VSECM_ASSIGN_OR_RETURN(std::string mode, db->QueryText("PRAGMA journal_mode", "checking"));
  if (mode != "wal") {
    return FailedPrecondition("the database " + path + " refused WAL mode (journal mode '" + mode +
                              "')");
  }
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "PRAGMA synchronous = FULL", "setting synchronous"));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "PRAGMA temp_store = MEMORY", "setting temp_store"));
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "PRAGMA secure_delete = ON", "setting secure_delete"));
  // Takes the exclusive lock now, and keeps it until the connection closes.
  VSECM_RETURN_IF_ERROR(OpenStep(*db, "BEGIN EXCLUSIVE; COMMIT", "locking the database"));
  return db;
}

void RemoveLeftovers(const std::string& base, const sdk::Host& host) {
  for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
    Status s = RemoveIfPresent(base + suffix);
    if (!s.ok()) host.Log(sdk::LogLevel::kWarn, s.message());
  }
}

// Copies every table into <partial> under `new_key`, through an attached database.
Status ExportTo(Connection& db, const std::string& partial, sdk::ByteView new_key,
                const sdk::Host& host) {
  {
    VSECM_ASSIGN_OR_RETURN(Statement attach,
                           Statement::Prepare(db, "ATTACH DATABASE ?1 AS rekey KEY ''"));
    VSECM_RETURN_IF_ERROR(attach.BindText(1, partial).Run("attaching " + partial));
  }
  Status s = ApplyKey(db, "rekey", new_key, host);
  if (s.ok()) s = db.Exec("PRAGMA rekey.cipher_page_size = 4096", "setting the page size");
  if (s.ok()) s = db.Exec("PRAGMA rekey.synchronous = FULL", "setting synchronous");
  if (s.ok()) s = db.Exec("SELECT sqlcipher_export('rekey')", "re-encrypting");
  if (s.ok()) {
    // sqlcipher_export copies tables, not the header's user_version.
    auto version = db.QueryInt("PRAGMA main.user_version", "reading the schema version");
    s = version.ok() ? db.Exec("PRAGMA rekey.user_version = " + std::to_string(*version),
                               "copying the schema version")
                     : version.status();
  }
  Status detached = db.Exec("DETACH DATABASE rekey", "detaching " + partial);
  return s.ok() ? detached : s;
}

}  // namespace

StatusOr<std::unique_ptr<Connection>> OpenKeyed(const std::string& path, sdk::ByteView key,
                                                const sdk::Host& host) {
  const std::string ready = path + ".rekey";
  VSECM_RETURN_IF_ERROR(EnsurePrivateFile(path, host));
  auto db = OpenOnce(path, key, host);
  if (db.ok()) {
    // A key replacement that never reached its rename: the old file is the valid one.
    RemoveLeftovers(path + ".rekey-partial", host);
    RemoveLeftovers(ready, host);
    return db;
  }
  if (db.status().code() != StatusCode::kPermissionDenied || !Exists(ready)) return db.status();
  if (!ProbeKey(ready, key, host).ok()) return db.status();

  host.Log(sdk::LogLevel::kWarn, "completing an interrupted key replacement: " + ready +
                                     " is complete under the current key; moving it to " + path);
  VSECM_RETURN_IF_ERROR(RemoveIfPresent(path + "-wal"));
  VSECM_RETURN_IF_ERROR(RemoveIfPresent(path + "-shm"));
  VSECM_RETURN_IF_ERROR(DurableRename(ready, path));
  return OpenOnce(path, key, host);
}

Status ReplaceKey(std::unique_ptr<Connection>& connection, sdk::ByteView new_key,
                  const sdk::Host& host) {
  if (new_key.size() != kStoreKeyBytes) {
    return InvalidArgument("the store key must be 32 bytes, not " + std::to_string(new_key.size()));
  }
  const std::string path = connection->path();
  const std::string partial = path + ".rekey-partial";
  const std::string ready = path + ".rekey";
  RemoveLeftovers(partial, host);
  RemoveLeftovers(ready, host);
  VSECM_RETURN_IF_ERROR(EnsurePrivateFile(partial, host));
  Status s = ExportTo(*connection, partial, new_key, host);
  if (s.ok()) s = ProbeKey(partial, new_key, host);
  if (s.ok()) s = DurableRename(partial, ready);
  if (!s.ok()) {
    RemoveLeftovers(partial, host);
    return s.WithContext("re-encrypting " + path + " under a new key (the old key still applies)");
  }

  connection.reset();  // checkpoints and removes the old -wal
  s = RemoveIfPresent(path + "-wal");
  if (s.ok()) s = RemoveIfPresent(path + "-shm");
  if (s.ok()) s = DurableRename(ready, path);
  if (!s.ok()) return s.WithContext("replacing " + path + " with its re-encrypted copy");
  VSECM_ASSIGN_OR_RETURN(connection, OpenKeyed(path, new_key, host));
  host.Log(sdk::LogLevel::kInfo, "re-encrypted " + path + " under a new store key");
  return Status::Ok();
}

}  // namespace vsecm::store_sqlcipher
