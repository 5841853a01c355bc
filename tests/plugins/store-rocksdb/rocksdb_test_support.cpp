#include "rocksdb_test_support.hpp"

#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace vsecm::testing {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<rocksdb::DB> OpenDirect(const std::string& path) {
  rocksdb::Options options;
  options.create_if_missing = false;
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  rocksdb::DB* db = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, path, &db);
  if (!s.ok()) throw std::runtime_error("opening " + path + " directly: " + s.ToString());
  return std::unique_ptr<rocksdb::DB>(db);
}

std::vector<uint8_t> ReadFile(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

std::map<std::string, std::string> DumpDatabase(const std::string& path) {
  auto db = OpenDirect(path);
  std::map<std::string, std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(rocksdb::ReadOptions()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    out[it->key().ToString()] = it->value().ToString();
  }
  if (!it->status().ok()) throw std::runtime_error("iterating: " + it->status().ToString());
  it.reset();
  db->Close();
  return out;
}

void WriteDirectly(const std::string& path, const std::map<std::string, std::string>& entries) {
  auto db = OpenDirect(path);
  rocksdb::WriteOptions options;
  options.sync = true;
  for (const auto& [key, value] : entries) {
    rocksdb::Status s = db->Put(options, key, value);
    if (!s.ok()) throw std::runtime_error("writing directly: " + s.ToString());
  }
  db->Close();
}

void FlushDatabase(const std::string& path) {
  auto db = OpenDirect(path);
  rocksdb::Status s = db->Flush(rocksdb::FlushOptions());
  if (!s.ok()) throw std::runtime_error("flushing: " + s.ToString());
  db->Close();
}

bool CorruptInSst(const std::string& path, std::span<const uint8_t> needle) {
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().extension() != ".sst") continue;
    std::vector<uint8_t> bytes = ReadFile(entry.path());
    auto at = std::search(bytes.begin(), bytes.end(), needle.begin(), needle.end());
    if (at == bytes.end()) continue;
    size_t offset = static_cast<size_t>(at - bytes.begin()) + needle.size() / 2;
    std::fstream file(entry.path(), std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(offset));
    char flipped = static_cast<char>(bytes[offset] ^ 0x5a);
    file.write(&flipped, 1);
    return true;
  }
  return false;
}

vsecm::Status AppendTornWalRecord(const std::string& path, std::string_view name,
                                  std::span<const uint8_t> value) {
  // Recover first, as the restarted Safe would have: an earlier torn record is dropped and a
  // fresh log is started, so only the last log ends in a torn record.
  OpenDirect(path)->Close();
  fs::path newest;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().extension() == ".log" && entry.path().filename() > newest.filename()) {
      newest = entry.path();
    }
  }
  if (newest.empty()) return vsecm::NotFound("no write-ahead log in " + path);

  // The payload RocksDB would have written: a WriteBatch putting the next version's key.
  rocksdb::WriteBatch batch;
  std::string key = "v/" + std::string(name) + "/00000000000000ff";
  rocksdb::Status s =
      batch.Put(key, rocksdb::Slice(reinterpret_cast<const char*>(value.data()), value.size()));
  if (!s.ok()) return vsecm::Internal(s.ToString());
  const std::string& payload = batch.Data();

  // Log records live in 32 KiB blocks with 7-byte headers (crc32c, length, type); a writer
  // pads a block tail shorter than a header with zeros.
  constexpr size_t kBlock = 32768, kHeader = 7;
  size_t size = static_cast<size_t>(fs::file_size(newest));
  std::string tail;
  size_t left_in_block = kBlock - size % kBlock;
  if (left_in_block < kHeader + 2) {
    tail.assign(left_in_block, '\0');
    left_in_block = kBlock;
  }
  size_t length = std::min(payload.size(), left_in_block - kHeader);
  tail.append("\x13\x37\xc0\xde", 4);  // the checksum is never reached: the record is cut short
  tail.push_back(static_cast<char>(length & 0xff));
  tail.push_back(static_cast<char>(length >> 8));
  tail.push_back('\x01');  // kFullType
  tail.append(payload.substr(0, length / 2));
  std::ofstream out(newest, std::ios::binary | std::ios::app);
  out.write(tail.data(), static_cast<std::streamsize>(tail.size()));
  out.close();
  if (!out) return vsecm::Internal("cannot append to " + newest.string());
  return vsecm::Status::Ok();
}

}  // namespace vsecm::testing
