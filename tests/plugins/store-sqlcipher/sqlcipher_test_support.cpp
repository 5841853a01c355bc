#include "sqlcipher_test_support.hpp"

#define SQLITE_HAS_CODEC 1
#include <sqlcipher/sqlite3.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

namespace vsecm::testing {
namespace {

namespace fs = std::filesystem;

vsecm_bytes C(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
vsecm_bytes C(std::span<const uint8_t> s) { return {s.data(), s.size()}; }

// Calls fn(error) and turns its status and message into a Status.
template <class Fn>
Status Call(Fn&& fn) {
  char buf[1024] = {};
  vsecm_error err{buf, sizeof buf, 0};
  vsecm_status s = fn(&err);
  if (s == VSECM_OK) return Status::Ok();
  return Status(StatusCodeFromC(s), std::string(buf, err.len));
}

std::string RawKey(const Key& key) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "x'";
  for (uint8_t b : key) {
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 0xf]);
  }
  return text + "'";
}

// Opens `path` under `key` with the plugin's cipher settings; the caller closes it.
sqlite3* OpenDirect(const std::string& path, const Key& key) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error("opening " + path + ": " + message);
  }
  std::string raw = RawKey(key);
  sqlite3_key(db, raw.data(), static_cast<int>(raw.size()));
  sqlite3_exec(db, "PRAGMA cipher_page_size = 4096", nullptr, nullptr, nullptr);
  return db;
}

void Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    throw std::runtime_error(sql + ": " + message);
  }
}

void CopyFileBytes(const std::string& from, const std::string& to) {
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
}

}  // namespace

ScratchDir::ScratchDir() {
  std::string tmpl = (fs::temp_directory_path() / "vsecm-sqlcipher-XXXXXX").string();
  path_ = ::mkdtemp(tmpl.data()) != nullptr ? tmpl : std::string();
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

StatusOr<std::unique_ptr<SqlCipherInstance>> SqlCipherInstance::Create(const std::string& path,
                                                                       std::optional<Key> key,
                                                                       int backup_count) {
  VSECM_ASSIGN_OR_RETURN(const sdk::testing::StoreLibrary* library,
                         sdk::testing::StoreLibrary::Open(kSqlCipherPlugin));
  std::unique_ptr<SqlCipherInstance> self(new SqlCipherInstance());
  self->library_ = library;
  self->host_ = std::make_unique<sdk::testing::FakeHost>(std::map<std::string, std::string>{
      {"path", path}, {"backup_count", std::to_string(backup_count)}});
  VSECM_RETURN_IF_ERROR(Call([&](vsecm_error* e) {
    return library->descriptor().create(self->host_->api(), &self->instance_, e);
  }));
  if (key) VSECM_RETURN_IF_ERROR(self->SetKey(*key));
  return self;
}

SqlCipherInstance::~SqlCipherInstance() {
  if (instance_ != nullptr) library_->descriptor().destroy(instance_);
}

const vsecm_store_v1& SqlCipherInstance::table() const { return library_->table(); }

Status SqlCipherInstance::SetKey(std::span<const uint8_t> key) {
  return Call([&](vsecm_error* e) { return table().set_key(instance_, C(key), e); });
}

Status SqlCipherInstance::Put(std::string_view name, std::span<const uint8_t> value) {
  return Call([&](vsecm_error* e) { return table().put(instance_, C(name), C(value), e); });
}

Status SqlCipherInstance::Put(std::string_view name, std::string_view value) {
  return Put(name, std::span(reinterpret_cast<const uint8_t*>(value.data()), value.size()));
}

StatusOr<std::vector<uint8_t>> SqlCipherInstance::Get(std::string_view name) {
  std::vector<uint8_t> out;
  vsecm_sink sink{sizeof(vsecm_sink), &out, [](void* ctx, size_t n) -> uint8_t* {
                    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
                    v->resize(v->size() + n);
                    return v->data() + v->size() - n;
                  }};
  VSECM_RETURN_IF_ERROR(
      Call([&](vsecm_error* e) { return table().get(instance_, C(name), sink, e); }));
  return out;
}

StatusOr<std::string> SqlCipherInstance::GetText(std::string_view name) {
  VSECM_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, Get(name));
  return std::string(bytes.begin(), bytes.end());
}

Status SqlCipherInstance::Remove(std::string_view name) {
  return Call([&](vsecm_error* e) { return table().remove(instance_, C(name), e); });
}

StatusOr<std::vector<std::string>> SqlCipherInstance::List() {
  std::vector<std::string> names;
  vsecm_name_visitor visitor{sizeof(vsecm_name_visitor), &names,
                             [](void* ctx, vsecm_bytes name) -> vsecm_status {
                               static_cast<std::vector<std::string>*>(ctx)->emplace_back(
                                   reinterpret_cast<const char*>(name.data), name.len);
                               return VSECM_OK;
                             }};
  VSECM_RETURN_IF_ERROR(Call([&](vsecm_error* e) { return table().list(instance_, visitor, e); }));
  return names;
}

std::vector<std::string> QueryDirectly(const std::string& path, const Key& key,
                                       const std::string& sql) {
  sqlite3* db = OpenDirect(path, key);
  std::vector<std::string> rows;
  char* error = nullptr;
  int rc = sqlite3_exec(
      db, sql.c_str(),
      [](void* ctx, int n, char** values, char**) {
        std::string row;
        for (int i = 0; i < n; ++i) {
          if (i > 0) row += "|";
          row += values[i] != nullptr ? values[i] : "NULL";
        }
        static_cast<std::vector<std::string>*>(ctx)->push_back(row);
        return 0;
      },
      &rows, &error);
  std::string message = error != nullptr ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
  return rows;
}

int ProbeDirectly(const std::string& path, const Key& key) {
  sqlite3* db = OpenDirect(path, key);
  int rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  return rc;
}

StatusOr<size_t> LeaveUncommittedWal(const std::string& path, const Key& key, std::string_view name,
                                     std::span<const uint8_t> value) {
  const std::string wal = path + "-wal", db_image = path + ".crash", wal_image = wal + ".crash";
  sqlite3* db = nullptr;
  try {
    db = OpenDirect(path, key);
    Exec(db, "PRAGMA cache_size = 10");  // spill dirty pages into the WAL early
    Exec(db, "BEGIN IMMEDIATE");
    sqlite3_stmt* insert = nullptr;
    sqlite3_prepare_v2(db,
                       "INSERT INTO versions (name, seq, ciphertext, stored_at_ms) "
                       "VALUES (?1, ?2, ?3, 0)",
                       -1, &insert, nullptr);
    for (int i = 0; i < 12; ++i) {
      sqlite3_bind_text(insert, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
      sqlite3_bind_int64(insert, 2, 1000000 + i);
      if (i == 0) {
        sqlite3_bind_blob(insert, 3, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
      } else {
        sqlite3_bind_zeroblob(insert, 3, 65536);  // filler: forces the spill
      }
      int rc = sqlite3_step(insert);
      sqlite3_reset(insert);
      if (rc != SQLITE_DONE) {
        sqlite3_finalize(insert);
        throw std::runtime_error(std::string("inserting: ") + sqlite3_errmsg(db));
      }
    }
    sqlite3_finalize(insert);
    // The crash: what is on disk now is what a kill -9 would leave.
    CopyFileBytes(path, db_image);
    if (!fs::exists(wal)) throw std::runtime_error("the transaction left no WAL frames");
    CopyFileBytes(wal, wal_image);
    Exec(db, "ROLLBACK");
    sqlite3_close(db);
    db = nullptr;
  } catch (const std::exception& e) {
    sqlite3_close(db);
    return Internal(e.what());
  }
  // The closed connection checkpointed and removed its files; put the crash image back.
  fs::rename(db_image, path);
  fs::rename(wal_image, wal);
  std::error_code ec;
  fs::remove(path + "-shm", ec);
  return static_cast<size_t>(fs::file_size(wal));
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<uint8_t> Pattern(size_t n, uint64_t seed) {
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

}  // namespace vsecm::testing
