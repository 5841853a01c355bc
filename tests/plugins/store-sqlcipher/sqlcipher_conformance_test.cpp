// vsecm-store-sqlcipher against the SDK's store conformance suite. The crash window it simulates
// is SQLite's: WAL frames of a transaction written out before its commit frame, then a kill.
#include "sqlcipher_test_support.hpp"
#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;

VSECM_STORE_CONFORMANCE_SUITE(SqlCipher, [] {
  return t::StoreConformanceOptions::ForTempDir(
      "sqlcipher", vsecm::testing::kSqlCipherPlugin, {{"path", "@TEMPDIR@/vsecm.db"}},
      [](const std::string& dir, std::string_view name, std::span<const uint8_t> value) {
        auto left = vsecm::testing::LeaveUncommittedWal(
            dir + "/vsecm.db", vsecm::testing::ConformanceKey(), name, value);
        if (left.ok() && *left <= 32) {
          return vsecm::Internal("the simulated crash left no WAL frames to recover from");
        }
        return left.status();
      });
});

}  // namespace
