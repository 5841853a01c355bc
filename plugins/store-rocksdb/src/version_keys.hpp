// How records and their backups are laid out as RocksDB keys (layout version 1).
//
//   "!layout"                 → "1"
//   "m/<name>"                → 16 bytes: oldest kept sequence, newest sequence (big-endian u64)
//   "v/<name>/<seq, 16 hex>"  → the cipher text stored by the put that got sequence <seq>
//
// Every put writes the next sequence, moves the range and deletes the versions that fell out of
// it, all in one WriteBatch, so a reader sees either the old or the new range, never a mixture.
// Record names cannot contain '/', so no name's keys are a prefix of another name's.
#ifndef VSECM_PLUGINS_STORE_ROCKSDB_VERSION_KEYS_HPP_
#define VSECM_PLUGINS_STORE_ROCKSDB_VERSION_KEYS_HPP_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vsecm::store_rocksdb {

inline constexpr std::string_view kLayoutKey = "!layout";
inline constexpr std::string_view kLayoutVersion = "1";
inline constexpr std::string_view kRangePrefix = "m/";

// The sequences of the versions kept for one name: oldest..newest, both inclusive.
struct VersionRange {
  uint64_t oldest = 0;
  uint64_t newest = 0;
};

std::string RangeKey(std::string_view name);
std::string VersionKey(std::string_view name, uint64_t seq);

std::string EncodeRange(const VersionRange& range);
// nullopt when the bytes are not a well-formed range (wrong size, zero or inverted bounds).
std::optional<VersionRange> DecodeRange(std::string_view bytes);

// The range after storing one more version while keeping `backup_count` previous ones. The
// versions that fall out are [previous->oldest, result.oldest).
VersionRange NextRange(const std::optional<VersionRange>& previous, uint64_t backup_count);

}  // namespace vsecm::store_rocksdb

#endif  // VSECM_PLUGINS_STORE_ROCKSDB_VERSION_KEYS_HPP_
