// A thin RAII layer over the SQLCipher C API: one connection, prepared statements, and the
// translation of SQLite result codes into Status messages that name the database file.
#ifndef VSECM_PLUGINS_STORE_SQLCIPHER_SQLITE_DB_HPP_
#define VSECM_PLUGINS_STORE_SQLCIPHER_SQLITE_DB_HPP_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "vsecm/sdk/host.hpp"
#include "vsecm/sdk/status.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace vsecm::store_sqlcipher {

// An open database connection; closed (and, in WAL mode, checkpointed) on destruction.
class Connection {
 public:
  // Opens `path` read-write, creating it when missing. Nothing is read until the first statement.
  static StatusOr<std::unique_ptr<Connection>> Open(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  sqlite3* get() const noexcept { return db_; }
  const std::string& path() const noexcept { return path_; }

  // Runs SQL that returns no rows (or whose rows do not matter).
  Status Exec(std::string_view sql, std::string_view what);
  // Runs a statement that yields one text value (a PRAGMA's answer), "" when it yields no row.
  StatusOr<std::string> QueryText(std::string_view sql, std::string_view what);
  StatusOr<int64_t> QueryInt(std::string_view sql, std::string_view what);

  // A Status for result code `rc` of an operation described by `what`.
  Status Error(int rc, std::string_view what) const;

 private:
  Connection(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::string path_;
};

// A prepared statement of one connection. Bound text and blobs are copied by SQLite only when
// the caller's memory would not outlive the statement's next step; here it always does.
class Statement {
 public:
  static StatusOr<Statement> Prepare(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;

  Statement& BindText(int index, std::string_view text);
  Statement& BindBlob(int index, sdk::ByteView bytes);
  Statement& BindInt(int index, int64_t value);

  // SQLITE_ROW → true, SQLITE_DONE → false, anything else → the error for `what`.
  StatusOr<bool> Step(std::string_view what);
  // Steps once and expects SQLITE_DONE.
  Status Run(std::string_view what);

  int64_t ColumnInt(int column) const;
  std::string_view ColumnText(int column) const;
  sdk::ByteView ColumnBlob(int column) const;

 private:
  Statement(Connection& connection, sqlite3_stmt* stmt) : connection_(&connection), stmt_(stmt) {}
  Connection* connection_;
  sqlite3_stmt* stmt_;
  Status bind_error_;  // the first failed bind, reported by the next Step
};

// BEGIN IMMEDIATE ... COMMIT; rolled back when destroyed without Commit().
class Transaction {
 public:
  static StatusOr<std::unique_ptr<Transaction>> Begin(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status Commit();

 private:
  explicit Transaction(Connection& connection) : connection_(connection) {}
  Connection& connection_;
  bool open_ = true;
};

}  // namespace vsecm::store_sqlcipher

#endif  // VSECM_PLUGINS_STORE_SQLCIPHER_SQLITE_DB_HPP_
