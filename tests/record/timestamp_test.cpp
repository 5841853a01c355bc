#include "vsecm/kernel/timestamp.hpp"

#include <gtest/gtest.h>

namespace vsecm::kernel {
namespace {

using std::chrono::milliseconds;

Timestamp At(int y, unsigned m, unsigned d, int hh, int mm, int ss, int ms) {
  return std::chrono::sys_days{std::chrono::year{y} / std::chrono::month{m} / std::chrono::day{d}} +
         std::chrono::hours{hh} + std::chrono::minutes{mm} + std::chrono::seconds{ss} +
         milliseconds{ms};
}

TEST(TimestampTest, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(FormatRfc3339(Timestamp{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(At(2026, 11, 23, 13, 0, 0, 123)), "2026-11-23T13:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(At(1969, 12, 31, 23, 59, 59, 999)), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(At(2024, 2, 29, 7, 5, 9, 40)), "2024-02-29T07:05:09.040Z");
}

TEST(TimestampTest, FormatClampsToRfc3339Years) {
  EXPECT_EQ(FormatRfc3339(At(12000, 1, 1, 0, 0, 0, 0)), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(At(-5, 1, 1, 0, 0, 0, 0)), "0000-01-01T00:00:00.000Z");
}

TEST(TimestampTest, ParsesZuluOffsetsAndFractions) {
  const Timestamp want = At(2026, 11, 23, 13, 0, 0, 123);
  for (const char* text :
       {"2026-11-23T13:00:00.123Z", "2026-11-23t13:00:00.123z", "2026-11-23T13:00:00.1239Z",
        "2026-11-23T13:00:00.123456789Z", "2026-11-23T15:30:00.123+02:30",
        "2026-11-23T08:00:00.123-05:00", "2026-11-24T00:00:00.123+11:00"}) {
    auto t = ParseRfc3339(text);
    ASSERT_TRUE(t.ok()) << text << ": " << t.status().ToString();
    EXPECT_EQ(*t, want) << text;
  }
  EXPECT_EQ(*ParseRfc3339("2026-11-23T13:00:00Z"), At(2026, 11, 23, 13, 0, 0, 0));
  EXPECT_EQ(*ParseRfc3339("2026-11-23T13:00:00.5Z"), At(2026, 11, 23, 13, 0, 0, 500));
  EXPECT_EQ(*ParseRfc3339("2026-11-23T13:00:00.05Z"), At(2026, 11, 23, 13, 0, 0, 50));
  EXPECT_EQ(*ParseRfc3339("2026-11-23T13:00:00.000999999Z"), At(2026, 11, 23, 13, 0, 0, 0));
  EXPECT_EQ(*ParseRfc3339("2024-02-29T00:00:00Z"), At(2024, 2, 29, 0, 0, 0, 0));
  EXPECT_EQ(*ParseRfc3339("0000-01-01T00:00:00Z"), At(0, 1, 1, 0, 0, 0, 0));
  EXPECT_EQ(*ParseRfc3339("9999-12-31T23:59:59.999Z"), At(9999, 12, 31, 23, 59, 59, 999));
  // Go's zero time, which VSecM writes for "never set".
  EXPECT_EQ(*ParseRfc3339("0001-01-01T00:00:00Z"), At(1, 1, 1, 0, 0, 0, 0));
}

TEST(TimestampTest, RoundTrips) {
  for (Timestamp t : {Timestamp{}, At(2026, 11, 23, 13, 0, 0, 123), At(1, 1, 1, 0, 0, 0, 1),
                      At(9999, 12, 31, 23, 59, 59, 999), At(1900, 3, 1, 12, 34, 56, 789)}) {
    auto back = ParseRfc3339(FormatRfc3339(t));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, t);
  }
}

TEST(TimestampTest, RejectsEverythingElse) {
  for (const char* text : {
           "",
           "2026-11-23",
           "2026-11-23T13:00:00",        // no zone
           "2026-11-23 13:00:00Z",       // space instead of T
           "2026-11-23T13:00Z",          // no seconds
           "2026-11-23T13:00:00.Z",      // empty fraction
           "2026-11-23T13:00:00.1234567890Z",  // 10 fraction digits
           "2026-02-30T00:00:00Z",       // no such day
           "2025-02-29T00:00:00Z",       // not a leap year
           "2026-13-01T00:00:00Z",
           "2026-00-01T00:00:00Z",
           "2026-11-00T00:00:00Z",
           "2026-11-23T24:00:00Z",
           "2026-11-23T13:60:00Z",
           "2026-11-23T23:59:60Z",       // leap second
           "2026-11-23T13:00:00+24:00",
           "2026-11-23T13:00:00+01:60",
           "2026-11-23T13:00:00+0100",
           "2026-11-23T13:00:00+01",
           "2026-11-23T13:00:00Z ",
           " 2026-11-23T13:00:00Z",
           "2026-11-23T13:00:00ZZ",
           "+2026-11-23T13:00:00Z",
           "20261-11-23T13:00:00Z",
           "2026-1-23T13:00:00Z",
           "2026-11-23T13:00:00.12a3Z",
           "0000-01-01T00:00:00+00:01",  // before year 0 in UTC
           "9999-12-31T23:59:59-00:01",  // after year 9999 in UTC
       }) {
    auto t = ParseRfc3339(text);
    EXPECT_FALSE(t.ok()) << "accepted \"" << text << "\"";
  }
}

TEST(TimestampTest, ErrorsDoNotQuoteTheText) {
  auto t = ParseRfc3339("2026-11-23T13:00:00SECRETSTUFF");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t.status().message().find("SECRET"), std::string::npos) << t.status().message();
}

}  // namespace
}  // namespace vsecm::kernel
