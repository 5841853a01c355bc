// Schema versions of vsecm-store-sqlcipher: an unversioned (version 0) database made by hand is
// migrated to version 1 with its records intact; a newer version than the plugin knows is
// refused, and the file is left as it was.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sqlcipher_test_support.hpp"

namespace vsecm::testing {
namespace {

TEST(SqlCipherMigrationTest, ANewDatabaseIsCreatedAtTheCurrentSchemaVersion) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  { ASSERT_TRUE(SqlCipherInstance::Create(db, ConformanceKey()).ok()); }
  EXPECT_EQ(QueryDirectly(db, ConformanceKey(), "PRAGMA user_version"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(QueryDirectly(db, ConformanceKey(),
                          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            std::vector<std::string>{"versions"});
}

TEST(SqlCipherMigrationTest, AnUnversionedSingleValueDatabaseIsMigratedWithItsRecords) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  QueryDirectly(db, ConformanceKey(),
                "PRAGMA journal_mode = DELETE;"
                "CREATE TABLE secrets (name TEXT PRIMARY KEY, ciphertext BLOB NOT NULL);"
                "INSERT INTO secrets VALUES ('billing', CAST('cipher-1' AS BLOB)),"
                "                           ('k8s:ns.app', x'00ff10');");
  ASSERT_EQ(QueryDirectly(db, ConformanceKey(), "PRAGMA user_version"),
            std::vector<std::string>{"0"});

  auto store = SqlCipherInstance::Create(db, ConformanceKey(), /*backup_count=*/1);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_INFO, "from schema version 0 to 1"));
  EXPECT_EQ(*(*store)->GetText("billing"), "cipher-1");
  EXPECT_EQ(*(*store)->Get("k8s:ns.app"), (std::vector<uint8_t>{0x00, 0xff, 0x10}));
  auto names = (*store)->List();
  ASSERT_TRUE(names.ok());
  std::sort(names->begin(), names->end());
  EXPECT_EQ(*names, (std::vector<std::string>{"billing", "k8s:ns.app"}));
  // Migrated records take part in versioning like any other.
  ASSERT_TRUE((*store)->Put("billing", "cipher-2").ok());
  ASSERT_TRUE((*store)->Put("billing", "cipher-3").ok());
  store->reset();

  EXPECT_EQ(QueryDirectly(db, ConformanceKey(), "PRAGMA user_version"),
            std::vector<std::string>{"1"});
  EXPECT_EQ(QueryDirectly(db, ConformanceKey(),
                          "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"),
            std::vector<std::string>{"versions"});
  EXPECT_EQ(QueryDirectly(db, ConformanceKey(),
                          "SELECT seq, CAST(ciphertext AS TEXT) FROM versions "
                          "WHERE name = 'billing' ORDER BY seq"),
            (std::vector<std::string>{"2|cipher-2", "3|cipher-3"}));
}

TEST(SqlCipherMigrationTest, ANewerSchemaVersionIsRefusedAndTheFileLeftAlone) {
  ScratchDir dir;
  const std::string db = dir / "vsecm.db";
  QueryDirectly(db, ConformanceKey(),
                "CREATE TABLE future (x BLOB); INSERT INTO future VALUES (x'01');"
                "PRAGMA user_version = 7;");
  auto store = SqlCipherInstance::Create(db, std::nullopt);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status s = (*store)->SetKey(ConformanceKey());
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("has schema version 7, newer than the 1 this plugin knows"),
            std::string::npos)
      << s.ToString();
  EXPECT_EQ((*store)->Put("a", "1").code(), StatusCode::kFailedPrecondition);
  store->reset();
  EXPECT_EQ(QueryDirectly(db, ConformanceKey(), "PRAGMA user_version"),
            std::vector<std::string>{"7"});
  EXPECT_EQ(
      QueryDirectly(db, ConformanceKey(), "SELECT name FROM sqlite_master WHERE type = 'table'"),
      std::vector<std::string>{"future"});
}

}  // namespace
}  // namespace vsecm::testing
