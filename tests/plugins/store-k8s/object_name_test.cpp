// VSecM record names onto Kubernetes object names: valid, injective, and reversible.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "vsecm/k8s/object_name.hpp"

namespace vsecm::k8s {
namespace {

const std::string kAllowed =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+=,-";
constexpr std::string_view kPrefix = "vsecm-secret-";

TEST(ObjectNameTest, EveryAllowedCharacterRoundTrips) {
  std::set<std::string> objects;
  for (char c : kAllowed) {
    // '.' may not start a name; put a letter first for every character.
    const std::string name = std::string("a") + c + "z";
    ASSERT_TRUE(CheckRecordName(name).ok()) << name;
    const std::string object = EncodeRecordName(kPrefix, name);
    EXPECT_TRUE(IsDnsSubdomain(object)) << object;
    EXPECT_EQ(DecodeRecordName(kPrefix, object), name) << object;
    objects.insert(object);
  }
  EXPECT_EQ(objects.size(), kAllowed.size()) << "two characters map to the same object name";
  const std::string all = "x" + kAllowed;
  EXPECT_EQ(DecodeRecordName(kPrefix, EncodeRecordName(kPrefix, all)), all);
}

TEST(ObjectNameTest, EncodingIsReadableForVsecmNames) {
  EXPECT_EQ(EncodeRecordName(kPrefix, "k8s:my-app"), "vsecm-secret-k8s-2my-7app");
  EXPECT_EQ(EncodeRecordName(kPrefix, "Web"), "vsecm-secret--web");
  EXPECT_EQ(EncodeRecordName(kPrefix, "raw:a.b_c"), "vsecm-secret-raw-2a-0b-1c");
}

TEST(ObjectNameTest, NamesThatDifferOnlyInCaseOrPunctuationStayApart) {
  const std::vector<std::string> names = {"ab",   "aB",   "Ab",   "AB",   "a-b",  "a_b",
                                          "a.b",  "a:b",  "a@b",  "a+b",  "a=b",  "a,b",
                                          "a-7b", "a--b", "a-0b", "a0b",  "a-ab", "aAb"};
  std::set<std::string> objects;
  for (const auto& n : names) objects.insert(EncodeRecordName(kPrefix, n));
  EXPECT_EQ(objects.size(), names.size());
}

TEST(ObjectNameTest, LongNamesUseAHashedFormThatIsValidAndDistinct) {
  const std::string upper(250, 'A');  // encodes to 500 characters
  std::string other = upper;
  other.back() = 'B';  // differs only past the truncation point
  const std::string a = EncodeRecordName(kPrefix, upper);
  const std::string b = EncodeRecordName(kPrefix, other);
  EXPECT_EQ(a.size(), kMaxObjectName);
  EXPECT_TRUE(IsDnsSubdomain(a)) << a;
  EXPECT_TRUE(IsDnsSubdomain(b)) << b;
  EXPECT_NE(a, b);
  EXPECT_NE(a.find("-9"), std::string::npos);
  EXPECT_EQ(DecodeRecordName(kPrefix, a), std::nullopt) << "the long form is not decodable";
  EXPECT_EQ(EncodeRecordName(kPrefix, upper), a) << "deterministic";
  // A lower-case name of the maximum length still fits in full.
  const std::string lower(240, 'a');
  EXPECT_EQ(EncodeRecordName(kPrefix, lower), std::string(kPrefix) + lower);
}

TEST(ObjectNameTest, RefusesNamesVsecmDoesNotAllow) {
  for (const std::string& bad : {std::string(""), std::string("."), std::string(".."),
                                std::string(".hidden"), std::string("a/b"), std::string("../x"),
                                std::string("a\\b"), std::string("a b"), std::string("a\nb"),
                                std::string("a\0b", 3), std::string("caf\xc3\xa9"),
                                std::string(251, 'a'), std::string("a*b"), std::string("a%2f")}) {
    Status s = CheckRecordName(bad);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_TRUE(CheckRecordName(std::string(250, 'z')).ok());
  EXPECT_TRUE(CheckRecordName("a..b").ok()) << "only a leading dot is refused";
  Status s = CheckRecordName("a\x01" "b");
  EXPECT_NE(s.message().find("byte 1 is 0x01"), std::string::npos) << s.message();
}

TEST(ObjectNameTest, DecodeRejectsForeignNames) {
  EXPECT_EQ(DecodeRecordName(kPrefix, "other-prefix-abc"), std::nullopt);
  EXPECT_EQ(DecodeRecordName(kPrefix, "vsecm-secret-a-"), std::nullopt);
  EXPECT_EQ(DecodeRecordName(kPrefix, "vsecm-secret-a-8b"), std::nullopt);
  EXPECT_EQ(DecodeRecordName(kPrefix, "vsecm-secret-a--b"), std::nullopt);
  EXPECT_EQ(DecodeRecordName(kPrefix, "vsecm-secret-"), std::nullopt);
}

TEST(ObjectNameTest, DnsRules) {
  EXPECT_TRUE(IsDnsSubdomain("a"));
  EXPECT_TRUE(IsDnsSubdomain("a.b-c.d1"));
  EXPECT_FALSE(IsDnsSubdomain("A"));
  EXPECT_FALSE(IsDnsSubdomain("-a"));
  EXPECT_FALSE(IsDnsSubdomain("a-"));
  EXPECT_FALSE(IsDnsSubdomain("a..b"));
  EXPECT_FALSE(IsDnsSubdomain("a.-b"));
  EXPECT_FALSE(IsDnsSubdomain(std::string(254, 'a')));
  EXPECT_TRUE(IsDnsSubdomain(std::string(253, 'a')));
  EXPECT_TRUE(IsDnsLabel("vsecm-system"));
  EXPECT_FALSE(IsDnsLabel("a.b"));
  EXPECT_FALSE(IsDnsLabel(std::string(64, 'a')));
  EXPECT_TRUE(CheckObjectNamePrefix("vsecm-secret-").ok());
  EXPECT_FALSE(CheckObjectNamePrefix("").ok());
  EXPECT_FALSE(CheckObjectNamePrefix("-x").ok());
  EXPECT_FALSE(CheckObjectNamePrefix("X-").ok());
  EXPECT_FALSE(CheckObjectNamePrefix("a.b").ok());
}

}  // namespace
}  // namespace vsecm::k8s
