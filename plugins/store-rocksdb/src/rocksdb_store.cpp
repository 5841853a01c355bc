#include "rocksdb_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/slice.h>
#include <rocksdb/status.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "store_files.hpp"

namespace vsecm::store_rocksdb {
namespace {

constexpr int64_t kMaxBackupCount = 1000;

rocksdb::Slice AsSlice(std::string_view s) { return {s.data(), s.size()}; }
rocksdb::Slice AsSlice(sdk::ByteView b) {
  return {reinterpret_cast<const char*>(b.data()), b.size()};
}

bool MentionsLock(const rocksdb::Status& status) {
  std::string text = status.ToString();
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("lock") != std::string::npos;
}

// Releases a RocksDB snapshot when a read is done with it.
class SnapshotScope {
 public:
  explicit SnapshotScope(rocksdb::DB& db) : db_(db), snapshot_(db.GetSnapshot()) {}
  ~SnapshotScope() { db_.ReleaseSnapshot(snapshot_); }
  SnapshotScope(const SnapshotScope&) = delete;
  SnapshotScope& operator=(const SnapshotScope&) = delete;
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB& db_;
  const rocksdb::Snapshot* snapshot_;
};

rocksdb::WriteOptions SyncedWrite() {
  rocksdb::WriteOptions options;
  options.sync = true;  // the WAL is fsynced before Write returns: the put is durable
  return options;
}

}  // namespace

RocksDbStore::RocksDbStore(sdk::Host host) : StorePlugin(host) {
  path_ = host.ConfigString("path", "/var/local/vsecm/rocksdb");
  int64_t backups = host.ConfigInt("backup_count", 3);
  if (backups < 0 || backups > kMaxBackupCount) {
    throw StatusError(
        InvalidArgument("backup_count must be between 0 and 1000, not " + std::to_string(backups)));
  }
  backup_count_ = static_cast<uint64_t>(backups);
  if (Status s = Open(); !s.ok()) throw StatusError(s);
}

RocksDbStore::~RocksDbStore() {
  if (db_ == nullptr) return;
  rocksdb::Status s = db_->Close();
  if (!s.ok()) {
    host().Log(sdk::LogLevel::kWarn,
               "closing the rocksdb database " + path_ + " failed: " + s.ToString());
  }
  db_.reset();
}

Status RocksDbStore::Open() {
  VSECM_RETURN_IF_ERROR(EnsurePrivateDirectory(path_, host()));
  rocksdb::Options options;
  options.create_if_missing = true;
  options.paranoid_checks = true;
  // A kill between write() and fsync can leave a torn last WAL record: that write was never
  // acknowledged, so dropping it is right. Corruption anywhere else stops the open instead of
  // silently dropping the acknowledged writes after it (kPointInTimeRecovery would).
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  options.compression = rocksdb::kNoCompression;  // cipher text does not compress
  options.max_log_file_size = size_t{4} << 20;
  options.keep_log_file_num = 4;
  options.max_background_jobs = 2;

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path_, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && MentionsLock(s)) {
      return FailedPrecondition(
          "the rocksdb database " + path_ +
          " is locked by another process (is another Safe running?): " + s.ToString());
    }
    return Translate(s, "opening the rocksdb database " + path_);
  }
  db_.reset(raw);
  return CheckLayout();
}

Status RocksDbStore::CheckLayout() {
  std::string layout;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), AsSlice(kLayoutKey), &layout);
  if (s.IsNotFound()) {
    return Translate(db_->Put(SyncedWrite(), AsSlice(kLayoutKey), AsSlice(kLayoutVersion)),
                     "recording the layout version");
  }
  VSECM_RETURN_IF_ERROR(Translate(s, "reading the layout version"));
  if (layout != kLayoutVersion) {
    return FailedPrecondition("the rocksdb database " + path_ + " has layout version '" +
                              layout.substr(0, 16) + "'; this plugin reads version " +
                              std::string(kLayoutVersion));
  }
  return Status::Ok();
}

std::mutex& RocksDbStore::StripeFor(std::string_view name) {
  return stripes_[std::hash<std::string_view>{}(name) % kStripes];
}

StatusOr<std::optional<VersionRange>> RocksDbStore::ReadRange(const rocksdb::ReadOptions& options,
                                                              std::string_view name) {
  std::string bytes;
  rocksdb::Status s = db_->Get(options, RangeKey(name), &bytes);
  if (s.IsNotFound()) return std::optional<VersionRange>();
  VSECM_RETURN_IF_ERROR(Translate(s, "reading the versions of '" + std::string(name) + "'"));
  std::optional<VersionRange> range = DecodeRange(bytes);
  if (!range) {
    return DataLoss("the version record of '" + std::string(name) + "' in " + path_ +
                    " is malformed");
  }
  return range;
}

Status RocksDbStore::Put(std::string_view name, sdk::ByteView ciphertext) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  std::lock_guard lock(StripeFor(name));
  VSECM_ASSIGN_OR_RETURN(std::optional<VersionRange> previous,
                         ReadRange(rocksdb::ReadOptions(), name));
  VersionRange next = NextRange(previous, backup_count_);

  rocksdb::WriteBatch batch;
  VSECM_RETURN_IF_ERROR(Translate(batch.Put(VersionKey(name, next.newest), AsSlice(ciphertext)),
                                  "preparing the write of '" + std::string(name) + "'"));
  if (previous) {
    for (uint64_t seq = previous->oldest; seq < next.oldest; ++seq) {
      VSECM_RETURN_IF_ERROR(Translate(batch.Delete(VersionKey(name, seq)), "preparing a delete"));
    }
  }
  VSECM_RETURN_IF_ERROR(
      Translate(batch.Put(RangeKey(name), EncodeRange(next)), "preparing the version record"));
  return Translate(db_->Write(SyncedWrite(), &batch), "writing '" + std::string(name) + "'");
}

Status RocksDbStore::Get(std::string_view name, sdk::Sink& out) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  SnapshotScope snapshot(*db_);
  rocksdb::ReadOptions options;
  options.snapshot = snapshot.get();
  options.verify_checksums = true;
  VSECM_ASSIGN_OR_RETURN(std::optional<VersionRange> range, ReadRange(options, name));
  if (!range) return NotFound("no record named '" + std::string(name) + "'");

  size_t corrupt = 0;
  size_t missing = 0;
  for (uint64_t seq = range->newest; seq >= range->oldest; --seq) {
    rocksdb::PinnableSlice value;
    rocksdb::Status s =
        db_->Get(options, db_->DefaultColumnFamily(), VersionKey(name, seq), &value);
    if (s.ok()) {
      if (seq != range->newest) {
        host().Log(sdk::LogLevel::kWarn,
                   "record '" + std::string(name) + "': the newest " +
                       std::to_string(range->newest - seq) +
                       " version(s) are unreadable; serving the backup with sequence " +
                       std::to_string(seq));
      }
      out.Write(std::string_view(value.data(), value.size()));
      return Status::Ok();
    }
    if (s.IsCorruption()) {
      ++corrupt;
      host().Log(sdk::LogLevel::kError, "record '" + std::string(name) + "', version " +
                                            std::to_string(seq) + " is corrupt: " + s.ToString());
    } else if (s.IsNotFound()) {
      ++missing;
    } else {
      return Translate(s, "reading '" + std::string(name) + "'");
    }
    if (seq == range->oldest) break;
  }
  return DataLoss("every stored copy of '" + std::string(name) + "' in the rocksdb database " +
                  path_ + " is unreadable (" + std::to_string(corrupt) + " corrupt, " +
                  std::to_string(missing) + " missing)");
}

Status RocksDbStore::Remove(std::string_view name) {
  VSECM_RETURN_IF_ERROR(CheckRecordName(name));
  std::lock_guard lock(StripeFor(name));
  VSECM_ASSIGN_OR_RETURN(std::optional<VersionRange> range,
                         ReadRange(rocksdb::ReadOptions(), name));
  if (!range) return Status::Ok();
  rocksdb::WriteBatch batch;
  for (uint64_t seq = range->oldest; seq <= range->newest; ++seq) {
    VSECM_RETURN_IF_ERROR(Translate(batch.Delete(VersionKey(name, seq)), "preparing a delete"));
  }
  VSECM_RETURN_IF_ERROR(Translate(batch.Delete(RangeKey(name)), "preparing a delete"));
  return Translate(db_->Write(SyncedWrite(), &batch), "removing '" + std::string(name) + "'");
}

Status RocksDbStore::List(const std::function<Status(std::string_view name)>& visit) {
  // Names are collected first so that the visitor may call back into the store.
  std::vector<std::string> names;
  {
    rocksdb::ReadOptions options;
    options.verify_checksums = true;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(options));
    const rocksdb::Slice prefix = AsSlice(kRangePrefix);
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      rocksdb::Slice key = it->key();
      key.remove_prefix(kRangePrefix.size());
      names.emplace_back(key.data(), key.size());
    }
    VSECM_RETURN_IF_ERROR(Translate(it->status(), "listing the records"));
  }
  for (const std::string& name : names) VSECM_RETURN_IF_ERROR(visit(name));
  return Status::Ok();
}

Status RocksDbStore::Translate(const rocksdb::Status& status, std::string_view what) const {
  if (status.ok()) return Status::Ok();
  std::string context = std::string(what) + ": ";
  if (status.IsCorruption()) {
    return DataLoss(context + "the rocksdb database " + path_ +
                    " is corrupt (checksum mismatch or damaged file): " + status.ToString());
  }
  if (status.IsNotFound()) return NotFound(context + status.ToString());
  if (status.IsNoSpace()) return ResourceExhausted(context + "no space left: " + status.ToString());
  if (status.IsIOError()) return Unavailable(context + "i/o error: " + status.ToString());
  if (status.IsBusy() || status.IsTryAgain() || status.IsTimedOut()) {
    return Unavailable(context + status.ToString());
  }
  if (status.IsInvalidArgument() || status.IsNotSupported()) {
    return FailedPrecondition(context + status.ToString());
  }
  return Internal(context + status.ToString());
}

}  // namespace vsecm::store_rocksdb

VSECM_DEFINE_PLUGIN(vsecm::store_rocksdb::RocksDbStore)
