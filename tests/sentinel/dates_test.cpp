#include "dates.hpp"

#include <gtest/gtest.h>

namespace vsecm::sentinel {
namespace {

TEST(DatesTest, NotBefore) {
  for (const char* ok : {"now", "", "2030-01-02T15:04:05Z", "2030-01-02T15:04:05.123456789+02:00",
                         "2030-01-02t15:04:05z"}) {
    EXPECT_TRUE(ValidateNotBefore(ok).ok()) << ok;
  }
  for (const char* bad : {"never", "tomorrow", "2030-01-02", "2030-01-02 15:04:05Z",
                          "2030-13-02T15:04:05Z", " 2030-01-02T15:04:05Z"}) {
    Status s = ValidateNotBefore(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("bad date: -N/--nbf"), std::string::npos) << s.message();
  }
}

TEST(DatesTest, Expires) {
  for (const char* ok : {"never", "", "2030-01-02T15:04:05-07:00"}) {
    EXPECT_TRUE(ValidateExpires(ok).ok()) << ok;
  }
  Status s = ValidateExpires("now");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("neither \"never\" nor an RFC 3339 time"), std::string::npos);
}

TEST(DatesTest, ExpiryMustFollowStart) {
  EXPECT_TRUE(ValidateValidity("2030-01-01T00:00:00Z", "2030-01-01T00:00:01Z").ok());
  EXPECT_TRUE(ValidateValidity("now", "2000-01-01T00:00:00Z").ok());  // the Safe judges "now"
  EXPECT_FALSE(ValidateValidity("2030-01-01T00:00:00Z", "2030-01-01T00:00:00Z").ok());
  // The same instant written in two zones.
  EXPECT_FALSE(ValidateValidity("2030-01-01T02:00:00+02:00", "2030-01-01T00:00:00Z").ok());
}

}  // namespace
}  // namespace vsecm::sentinel
