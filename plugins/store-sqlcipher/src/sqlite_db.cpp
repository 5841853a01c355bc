#include "sqlite_db.hpp"

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <utility>

namespace vsecm::store_sqlcipher {

StatusOr<std::unique_ptr<Connection>> Connection::Open(const std::string& path) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return FailedPrecondition("cannot open the database " + path + ": " + message);
  }
  sqlite3_extended_result_codes(db, 0);
  return std::unique_ptr<Connection>(new Connection(db, path));
}

Connection::~Connection() { sqlite3_close_v2(db_); }

Status Connection::Error(int rc, std::string_view what) const {
  std::string text = std::string(what) + ": " + path_ + ": " + sqlite3_errstr(rc);
  const char* detail = sqlite3_errmsg(db_);
  if (detail != nullptr && text.find(detail) == std::string::npos)
    text += " (" + std::string(detail) + ")";
  switch (rc & 0xff) {
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:  // after the key was checked: a page failed its HMAC
      return DataLoss(text + "; the database is damaged or was tampered with");
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Unavailable(text);
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_TOOBIG:
      return ResourceExhausted(text);
    case SQLITE_IOERR:
      return Unavailable(text);
    case SQLITE_CANTOPEN:
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH:
      return FailedPrecondition(text);
    default:
      return Internal(text);
  }
}

Status Connection::Exec(std::string_view sql, std::string_view what) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : Error(rc, what);
}

StatusOr<std::string> Connection::QueryText(std::string_view sql, std::string_view what) {
  VSECM_ASSIGN_OR_RETURN(Statement statement, Statement::Prepare(*this, sql));
  VSECM_ASSIGN_OR_RETURN(bool row, statement.Step(what));
  return row ? std::string(statement.ColumnText(0)) : std::string();
}

StatusOr<int64_t> Connection::QueryInt(std::string_view sql, std::string_view what) {
  VSECM_ASSIGN_OR_RETURN(Statement statement, Statement::Prepare(*this, sql));
  VSECM_ASSIGN_OR_RETURN(bool row, statement.Step(what));
  if (!row) return Internal(std::string(what) + ": the query returned no row");
  return statement.ColumnInt(0);
}

StatusOr<Statement> Statement::Prepare(Connection& connection, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(connection.get(), sql.data(), static_cast<int>(sql.size()), &stmt,
                              nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return connection.Error(rc, "preparing a statement");
  }
  return Statement(connection, stmt);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept
    : connection_(other.connection_),
      stmt_(std::exchange(other.stmt_, nullptr)),
      bind_error_(std::move(other.bind_error_)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(stmt_);
    connection_ = other.connection_;
    stmt_ = std::exchange(other.stmt_, nullptr);
    bind_error_ = std::move(other.bind_error_);
  }
  return *this;
}

Statement& Statement::BindText(int index, std::string_view text) {
  int rc =
      sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = connection_->Error(rc, "binding a name");
  return *this;
}

Statement& Statement::BindBlob(int index, sdk::ByteView bytes) {
  // A zero-length blob with a null pointer would bind NULL; the schema wants an empty blob.
  static const uint8_t kEmpty = 0;
  const void* data = bytes.empty() ? &kEmpty : bytes.data();
  int rc =
      bytes.size() > 0x7fffffff
          ? SQLITE_TOOBIG
          : sqlite3_bind_blob(stmt_, index, data, static_cast<int>(bytes.size()), SQLITE_STATIC);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = connection_->Error(rc, "binding a value");
  return *this;
}

Statement& Statement::BindInt(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK && bind_error_.ok()) bind_error_ = connection_->Error(rc, "binding a number");
  return *this;
}

StatusOr<bool> Statement::Step(std::string_view what) {
  if (!bind_error_.ok()) return bind_error_;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return connection_->Error(rc, what);
}

Status Statement::Run(std::string_view what) {
  VSECM_ASSIGN_OR_RETURN(bool row, Step(what));
  (void)row;
  return Status::Ok();
}

int64_t Statement::ColumnInt(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string_view Statement::ColumnText(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text == nullptr
             ? std::string_view()
             : std::string_view(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

sdk::ByteView Statement::ColumnBlob(int column) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, column));
  size_t size = static_cast<size_t>(sqlite3_column_bytes(stmt_, column));
  return data == nullptr ? sdk::ByteView() : sdk::ByteView(data, size);
}

StatusOr<std::unique_ptr<Transaction>> Transaction::Begin(Connection& connection) {
  VSECM_RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE", "starting a transaction"));
  return std::unique_ptr<Transaction>(new Transaction(connection));
}

Transaction::~Transaction() {
  if (open_) (void)connection_.Exec("ROLLBACK", "rolling back");
}

Status Transaction::Commit() {
  open_ = false;
  Status s = connection_.Exec("COMMIT", "committing");
  if (!s.ok()) (void)connection_.Exec("ROLLBACK", "rolling back");
  return s;
}

}  // namespace vsecm::store_sqlcipher
