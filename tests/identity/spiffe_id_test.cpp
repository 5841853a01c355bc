// SPIFFE ID parsing against the SPIFFE-ID spec, as a table.
#include "vsecm/identity/spiffe_id.hpp"

#include <gtest/gtest.h>

#include <string>

namespace vsecm::identity {
namespace {

struct Valid {
  std::string text;
  std::string trust_domain;
  std::string path;
};

TEST(SpiffeIdTest, AcceptsValidIds) {
  const Valid cases[] = {
      {"spiffe://vsecm.com", "vsecm.com", ""},
      {"spiffe://vsecm.com/workload/x", "vsecm.com", "/workload/x"},
      {"spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/pod-1", "vsecm.com",
       "/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/pod-1"},
      {"spiffe://a_b-c.d9/P.a_t-H/.../x..y", "a_b-c.d9", "/P.a_t-H/.../x..y"},
      {"spiffe://1.2.3.4/x", "1.2.3.4", "/x"},
  };
  for (const Valid& c : cases) {
    StatusOr<SpiffeId> id = SpiffeId::Parse(c.text);
    ASSERT_TRUE(id.ok()) << c.text << ": " << id.status().ToString();
    EXPECT_EQ(id->str(), c.text);
    EXPECT_EQ(id->trust_domain(), c.trust_domain);
    EXPECT_EQ(id->path(), c.path);
    EXPECT_TRUE(id->MemberOf(c.trust_domain));
  }
}

struct Invalid {
  std::string text;
  std::string why;  // a fragment of the expected message
};

TEST(SpiffeIdTest, RefusesInvalidIds) {
  const Invalid cases[] = {
      {"", "empty"},
      {"http://vsecm.com/x", "scheme"},
      {"SPIFFE://vsecm.com/x", "scheme"},
      {"spiffe:/vsecm.com/x", "scheme"},
      {"spiffe://", "trust domain is missing"},
      {"spiffe:///x", "trust domain is missing"},
      {"spiffe://Vsecm.com/x", "lower case"},
      {"spiffe://user@vsecm.com/x", "userinfo"},
      {"spiffe://vsecm.com:443/x", "port"},
      {"spiffe://vsecm.com/x?y=1", "query"},
      {"spiffe://vsecm.com?y=1", "query"},
      {"spiffe://vsecm.com/x#frag", "fragment"},
      {"spiffe://vsecm.com/x%20y", "percent"},
      {"spiffe://vsecm.com/", "must not end"},
      {"spiffe://vsecm.com/x/", "must not end"},
      {"spiffe://vsecm.com//x", "empty segment"},
      {"spiffe://vsecm.com/./x", "\".\" or \"..\""},
      {"spiffe://vsecm.com/x/..", "\".\" or \"..\""},
      {"spiffe://vsecm.com/x y", "outside"},
      {"spiffe://vsecm.com/caf\xc3\xa9", "outside"},
      {"spiffe://vsec m.com/x", "outside"},
      {"spiffe://vsecm.com/" + std::string(2048, 'a'), "2048"},
      {"spiffe://" + std::string(256, 'a') + "/x", "255"},
  };
  for (const Invalid& c : cases) {
    StatusOr<SpiffeId> id = SpiffeId::Parse(c.text);
    ASSERT_FALSE(id.ok()) << "accepted: " << c.text;
    EXPECT_EQ(id.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(id.status().message().find(c.why), std::string::npos)
        << c.text.substr(0, 60) << " -> " << id.status().message();
  }
}

TEST(SpiffeIdTest, MaximumLengthIsAccepted) {
  const std::string prefix = "spiffe://vsecm.com/";
  const std::string text = prefix + std::string(kMaxSpiffeIdBytes - prefix.size(), 'a');
  ASSERT_EQ(text.size(), 2048u);
  EXPECT_TRUE(SpiffeId::Parse(text).ok());
}

TEST(SpiffeIdTest, MessagesDoNotCarryControlCharacters) {
  StatusOr<SpiffeId> id = SpiffeId::Parse("spiffe://vsecm.com/x\n2024 forged log line");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().message().find('\n'), std::string::npos);
}

TEST(SpiffeIdTest, ValidatesTrustDomains) {
  EXPECT_TRUE(ValidateTrustDomain("vsecm.com").ok());
  EXPECT_TRUE(ValidateTrustDomain("example-1.org_x").ok());
  EXPECT_FALSE(ValidateTrustDomain("").ok());
  EXPECT_FALSE(ValidateTrustDomain("VSecM.com").ok());
  EXPECT_FALSE(ValidateTrustDomain("vsecm.com:8443").ok());
  EXPECT_FALSE(ValidateTrustDomain("vsecm.com/x").ok());
  EXPECT_FALSE(ValidateTrustDomain(std::string(256, 'a')).ok());
}

TEST(SpiffeIdTest, EqualityIsByText) {
  EXPECT_EQ(*SpiffeId::Parse("spiffe://a/b"), *SpiffeId::Parse("spiffe://a/b"));
  EXPECT_FALSE(*SpiffeId::Parse("spiffe://a/b") == *SpiffeId::Parse("spiffe://a/c"));
  EXPECT_FALSE(SpiffeId::Parse("spiffe://a/b")->MemberOf("b"));
}

}  // namespace
}  // namespace vsecm::identity
