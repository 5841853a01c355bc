// vsecm-store-rocksdb against damaged files: RocksDB's block checksums catch a flipped byte, the
// store falls back to the newest readable backup and says so, and reports DATA_LOSS when no copy
// is readable. A torn last WAL record (a write that was never acknowledged) is dropped.
#include <gtest/gtest.h>

#include <string>

#include "rocksdb_test_support.hpp"

namespace vsecm::testing {
namespace {

using sdk::testing::Bytes;

// 64 KiB values: each lands in data blocks of its own, so one can be damaged alone.
constexpr size_t kValueSize = 64 * 1024;

class RocksDbCorruptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenRocksDbStore(db_, 3);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    for (uint64_t i = 1; i <= 3; ++i) {
      ASSERT_TRUE((*store)->Put("app", Pattern(kValueSize, i)).ok());
    }
    ASSERT_TRUE((*store)->Put("bystander", Pattern(kValueSize, 99)).ok());
    // Sorts between the range records and app's versions ("v/a-pad" < "v/app") and fills the
    // first data block, so damaging a version of app leaves the range records readable.
    ASSERT_TRUE((*store)->Put("a-pad", Pattern(8192, 98)).ok());
    store->reset();
    FlushDatabase(db_);
  }

  ScratchDir dir_;
  const std::string db_ = dir_ / "db";
};

TEST_F(RocksDbCorruptionTest, ADamagedNewestVersionFallsBackToTheNewestReadableBackup) {
  ASSERT_TRUE(CorruptInSst(db_, Pattern(kValueSize, 3)));
  auto store = OpenRocksDbStore(db_, 3);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto got = (*store)->Get("app");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(kValueSize, 2)) << "expected the previous version";
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_ERROR, "is corrupt"));
  EXPECT_TRUE((*store)->host().Logged(VSECM_LOG_WARN, "serving the backup with sequence 2"));
  // Other records are untouched.
  auto other = (*store)->Get("bystander");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_TRUE(*other == Pattern(kValueSize, 99));
}

TEST_F(RocksDbCorruptionTest, EveryCopyDamagedIsDataLossWithAClearMessage) {
  for (uint64_t i = 1; i <= 3; ++i) ASSERT_TRUE(CorruptInSst(db_, Pattern(kValueSize, i)));
  auto store = OpenRocksDbStore(db_, 3);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto got = (*store)->Get("app");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(got.status().message().find("every stored copy of 'app'"), std::string::npos)
      << got.status().ToString();
  EXPECT_NE(got.status().message().find("3 corrupt"), std::string::npos);
}

TEST_F(RocksDbCorruptionTest, ADamagedBlockOfBookkeepingFailsTheOpenWithDataLoss) {
  ASSERT_TRUE(CorruptInSst(db_, Pattern(8192, 98)));  // the block holding "!layout" and ranges
  auto store = OpenRocksDbStore(db_, 3);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(store.status().message().find("is corrupt"), std::string::npos)
      << store.status().ToString();
  EXPECT_NE(store.status().message().find(".sst"), std::string::npos);
}

TEST_F(RocksDbCorruptionTest, ATornLastWalRecordIsDroppedAndEverythingAcknowledgedStays) {
  ASSERT_TRUE(AppendTornWalRecord(db_, "app", Pattern(5000, 7)).ok());
  ASSERT_TRUE(AppendTornWalRecord(db_, "fresh", Pattern(5000, 8)).ok());
  auto store = OpenRocksDbStore(db_, 3);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto got = (*store)->Get("app");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_TRUE(*got == Pattern(kValueSize, 3));
  EXPECT_EQ((*store)->Get("fresh").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE((*store)->Put("fresh", "now").ok());
  EXPECT_TRUE((*store)->Get("fresh").ok());
}

}  // namespace
}  // namespace vsecm::testing
