// vsecm-store-fs against the SDK's store conformance suite.
#include <fcntl.h>
#include <unistd.h>

#include "store_fs_test_support.hpp"
#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;

VSECM_STORE_CONFORMANCE_SUITE(StoreFs, [] {
  return t::StoreConformanceOptions::ForTempDir(
      "fs", vsecm::store_fs::testing::PluginPath(),
      {{"path", "@TEMPDIR@/data"}, {"backup_count", "3"}},
      &vsecm::store_fs::testing::LeaveHalfWrittenTempFile);
});

// backup_count 0 takes other code paths (no rotation, no backup fsync).
VSECM_STORE_CONFORMANCE_SUITE(StoreFsNoBackups, [] {
  return t::StoreConformanceOptions::ForTempDir(
      "fs_no_backups", vsecm::store_fs::testing::PluginPath(),
      {{"path", "@TEMPDIR@/data"}, {"backup_count", "0"}},
      &vsecm::store_fs::testing::LeaveHalfWrittenTempFile);
});

}  // namespace
