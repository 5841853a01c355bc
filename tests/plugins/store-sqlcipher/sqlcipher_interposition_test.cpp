// A process that already has the system's plain libsqlite3 loaded globally (this test binary is
// linked against it): the plugin's sqlite3_* calls would bind to it and write an unencrypted
// database, so the plugin must refuse to start, naming the library that got in the way.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "vsecm/sdk/testing/store_harness.hpp"

namespace {

namespace t = vsecm::sdk::testing;

TEST(SqlCipherInterpositionTest, RefusesToRunOnAPlainSqliteLoadedFirst) {
  ASSERT_NE(sqlite3_libversion(), nullptr);  // the plain library is really here
  std::string tmpl = "/tmp/vsecm-sqlcipher-interpose-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  auto library = t::StoreLibrary::Open(VSECM_TEST_PLUGIN_DIR "/vsecm-store-sqlcipher.so");
  ASSERT_TRUE(library.ok()) << library.status().ToString();
  auto store = t::StoreHarness::Create(**library, {{"path", tmpl + "/vsecm.db"}});
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), vsecm::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("not to SQLCipher"), std::string::npos)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find("libsqlite3"), std::string::npos)
      << store.status().ToString();
  EXPECT_FALSE(std::filesystem::exists(tmpl + "/vsecm.db"));
  std::printf("refused as it should: %s\n", store.status().message().c_str());
  std::filesystem::remove_all(tmpl);
}

}  // namespace
