#include "sqlcipher_store.hpp"

#include <openssl/crypto.h>

#include <cstring>
#include <vector>

#include "keyed_database.hpp"
#include "library_check.hpp"
#include "schema.hpp"
#include "store_files.hpp"

namespace vsecm::store_sqlcipher {
namespace {

constexpr int64_t kMaxBackupCount = 1000;

std::string Quoted(std::string_view name) { return "'" + std::string(name) + "'"; }

}  // namespace

SqlCipherStore::SqlCipherStore(sdk::Host host)
    : StorePlugin(host), not_open_(FailedPrecondition("the store key has not been set")) {
  path_ = host.ConfigString("path", "/var/local/vsecm/vsecm.db");
  backup_count_ = host.ConfigInt("backup_count", 3);
  if (backup_count_ < 0 || backup_count_ > kMaxBackupCount) {
    throw StatusError(InvalidArgument("backup_count must be between 0 and 1000, not " +
                                      std::to_string(backup_count_)));
  }
  if (path_.empty() || path_.front() != '/' || path_.back() == '/') {
    throw StatusError(InvalidArgument("path must be an absolute file name, not '" + path_ + "'"));
  }
  if (Status s = CheckSqlCipherIsBound(); !s.ok()) throw StatusError(s);
  if (Status s = EnsureDirectory(DirectoryOf(path_), host); !s.ok()) throw StatusError(s);
}

SqlCipherStore::~SqlCipherStore() {
  std::lock_guard lock(mutex_);
  db_.reset();
}

bool SqlCipherStore::SameKey(sdk::ByteView key) const {
  return !key_.empty() && key.size() == key_.size() &&
         CRYPTO_memcmp(key.data(), key_.data(), key.size()) == 0;
}

Status SqlCipherStore::SetKey(sdk::ByteView key) {
  if (key.size() != kStoreKeyBytes) {
    return InvalidArgument("the store key must be 32 bytes, not " + std::to_string(key.size()));
  }
  std::lock_guard lock(mutex_);
  if (db_ != nullptr && SameKey(key)) return Status::Ok();  // the same root key re-installed

  if (db_ != nullptr) {
    Status s = ReplaceKey(db_, key, host());
    if (db_ == nullptr)
      not_open_ = FailedPrecondition("the database " + path_ + " is closed: " + s.message());
    if (!s.ok()) return s;
  } else {
    auto opened = OpenKeyed(path_, key, host());
    if (!opened.ok()) {
      not_open_ = opened.status();
      return opened.status();
    }
    Status migrated = MigrateSchema(**opened, host());
    if (!migrated.ok()) {
      not_open_ = migrated;
      return migrated;
    }
    db_ = std::move(opened).value();
  }
  sdk::SecureBlock copy = host().SecureAlloc(key.size());
  std::memcpy(copy.data(), key.data(), key.size());
  key_ = std::move(copy);
  return Status::Ok();
}

Status SqlCipherStore::Ready() const { return db_ != nullptr ? Status::Ok() : not_open_; }

Status SqlCipherStore::Put(std::string_view name, sdk::ByteView ciphertext) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  std::lock_guard lock(mutex_);
  VSECM_RETURN_IF_ERROR(Ready());
  VSECM_ASSIGN_OR_RETURN(auto transaction, Transaction::Begin(*db_));
  VSECM_RETURN_IF_ERROR(WriteVersion(name, ciphertext));
  return transaction->Commit();  // synchronous=FULL: the WAL is fsynced before COMMIT returns
}

Status SqlCipherStore::WriteVersion(std::string_view name, sdk::ByteView ciphertext) {
  const std::string what = "writing " + Quoted(name);
  VSECM_ASSIGN_OR_RETURN(
      Statement last,
      Statement::Prepare(*db_, "SELECT COALESCE(MAX(seq), 0) FROM versions WHERE name = ?1"));
  VSECM_ASSIGN_OR_RETURN(bool row, last.BindText(1, name).Step(what));
  const int64_t seq = (row ? last.ColumnInt(0) : 0) + 1;

  VSECM_ASSIGN_OR_RETURN(Statement insert,
                         Statement::Prepare(*db_,
                                            "INSERT INTO versions (name, seq, ciphertext, "
                                            "stored_at_ms) VALUES (?1, ?2, ?3, ?4)"));
  VSECM_RETURN_IF_ERROR(insert.BindText(1, name)
                            .BindInt(2, seq)
                            .BindBlob(3, ciphertext)
                            .BindInt(4, static_cast<int64_t>(host().NowUnixMs()))
                            .Run(what));
  VSECM_ASSIGN_OR_RETURN(
      Statement prune,
      Statement::Prepare(*db_, "DELETE FROM versions WHERE name = ?1 AND seq < ?2"));
  return prune.BindText(1, name).BindInt(2, seq - backup_count_).Run(what);
}

Status SqlCipherStore::Get(std::string_view name, sdk::Sink& out) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  std::lock_guard lock(mutex_);
  VSECM_RETURN_IF_ERROR(Ready());
  const std::string what = "reading " + Quoted(name);
  std::vector<int64_t> seqs;
  {
    VSECM_ASSIGN_OR_RETURN(
        Statement list,
        Statement::Prepare(*db_, "SELECT seq FROM versions WHERE name = ?1 ORDER BY seq DESC"));
    list.BindText(1, name);
    for (;;) {
      VSECM_ASSIGN_OR_RETURN(bool row, list.Step(what));
      if (!row) break;
      seqs.push_back(list.ColumnInt(0));
    }
  }
  if (seqs.empty()) return NotFound("no record named " + Quoted(name));

  // Newest first; a version whose pages fail their HMAC is skipped for the next backup.
  size_t damaged = 0;
  for (int64_t seq : seqs) {
    VSECM_ASSIGN_OR_RETURN(
        Statement one,
        Statement::Prepare(*db_, "SELECT ciphertext FROM versions WHERE name = ?1 AND seq = ?2"));
    auto row = one.BindText(1, name).BindInt(2, seq).Step(what);
    if (row.ok() && *row) {
      if (seq != seqs.front()) {
        host().Log(sdk::LogLevel::kWarn, "record " + Quoted(name) + ": the newest " +
                                             std::to_string(damaged) +
                                             " version(s) are unreadable; serving the backup "
                                             "with sequence " +
                                             std::to_string(seq));
      }
      out.Write(one.ColumnBlob(0));
      return Status::Ok();
    }
    if (row.ok()) continue;  // removed between the two queries: impossible under mutex_
    if (row.status().code() != StatusCode::kDataLoss) return row.status();
    ++damaged;
    host().Log(sdk::LogLevel::kError, "record " + Quoted(name) + ", version " +
                                          std::to_string(seq) + ": " + row.status().message());
  }
  return DataLoss("every stored copy of " + Quoted(name) + " in " + path_ + " is unreadable (" +
                  std::to_string(damaged) + " damaged)");
}

Status SqlCipherStore::Remove(std::string_view name) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  std::lock_guard lock(mutex_);
  VSECM_RETURN_IF_ERROR(Ready());
  VSECM_ASSIGN_OR_RETURN(Statement remove,
                         Statement::Prepare(*db_, "DELETE FROM versions WHERE name = ?1"));
  return remove.BindText(1, name).Run("removing " + Quoted(name));
}

Status SqlCipherStore::List(const std::function<Status(std::string_view name)>& visit) {
  // Names are collected first, so that the visitor may call back into the store.
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    VSECM_RETURN_IF_ERROR(Ready());
    VSECM_ASSIGN_OR_RETURN(Statement list,
                           Statement::Prepare(*db_, "SELECT DISTINCT name FROM versions"));
    for (;;) {
      VSECM_ASSIGN_OR_RETURN(bool row, list.Step("listing the records"));
      if (!row) break;
      names.emplace_back(list.ColumnText(0));
    }
  }
  for (const std::string& name : names) VSECM_RETURN_IF_ERROR(visit(name));
  return Status::Ok();
}

}  // namespace vsecm::store_sqlcipher

VSECM_DEFINE_PLUGIN(vsecm::store_sqlcipher::SqlCipherStore)
