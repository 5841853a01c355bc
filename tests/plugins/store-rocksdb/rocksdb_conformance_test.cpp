// vsecm-store-rocksdb against the SDK's store conformance suite. The crash window it simulates
// is the one RocksDB has: a WAL record cut off by a kill before its fsync returned.
#include "rocksdb_test_support.hpp"
#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;

VSECM_STORE_CONFORMANCE_SUITE(RocksDb, [] {
  return t::StoreConformanceOptions::ForTempDir(
      "rocksdb", vsecm::testing::kRocksDbPlugin, {{"path", "@TEMPDIR@/db"}},
      [](const std::string& dir, std::string_view name, std::span<const uint8_t> value) {
        return vsecm::testing::AppendTornWalRecord(dir + "/db", name, value);
      });
});

}  // namespace
