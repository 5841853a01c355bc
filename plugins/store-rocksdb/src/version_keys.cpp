#include "version_keys.hpp"

#include <algorithm>

namespace vsecm::store_rocksdb {
namespace {

void PutBigEndian(std::string& out, uint64_t value) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

uint64_t GetBigEndian(std::string_view in) {
  uint64_t value = 0;
  for (char c : in.substr(0, 8)) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

}  // namespace

std::string RangeKey(std::string_view name) {
  std::string key(kRangePrefix);
  key.append(name);
  return key;
}

std::string VersionKey(std::string_view name, uint64_t seq) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string key = "v/";
  key.append(name);
  key.push_back('/');
  for (int shift = 60; shift >= 0; shift -= 4) key.push_back(kHex[(seq >> shift) & 0xf]);
  return key;
}

std::string EncodeRange(const VersionRange& range) {
  std::string out;
  out.reserve(16);
  PutBigEndian(out, range.oldest);
  PutBigEndian(out, range.newest);
  return out;
}

std::optional<VersionRange> DecodeRange(std::string_view bytes) {
  if (bytes.size() != 16) return std::nullopt;
  VersionRange range{GetBigEndian(bytes.substr(0, 8)), GetBigEndian(bytes.substr(8, 8))};
  if (range.oldest == 0 || range.oldest > range.newest) return std::nullopt;
  return range;
}

VersionRange NextRange(const std::optional<VersionRange>& previous, uint64_t backup_count) {
  if (!previous) return {1, 1};
  uint64_t newest = previous->newest + 1;
  uint64_t keep_from = newest > backup_count ? newest - backup_count : 1;
  return {std::max(previous->oldest, keep_from), newest};
}

}  // namespace vsecm::store_rocksdb
