// VSecM's role patterns: defaults, environment overrides, and the configurations refused as
// insecure.
#include "vsecm/identity/roles.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace vsecm::identity {
namespace {

constexpr char kSentinel[] =
    "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/sentinel-0";
constexpr char kSafe[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-7b9";
constexpr char kBilling[] = "spiffe://vsecm.com/workload/billing/ns/finance/sa/billing/n/pod-1";

SpiffeId Id(const std::string& text) {
  StatusOr<SpiffeId> id = SpiffeId::Parse(text);
  EXPECT_TRUE(id.ok()) << text;
  return *id;
}

kernel::EnvLookup Env(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const char* name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

TEST(RolesTest, VsecmDefaults) {
  StatusOr<RoleMatcher> roles = RoleMatcher::FromEnvironment(Env({}));
  ASSERT_TRUE(roles.ok()) << roles.status().ToString();
  EXPECT_EQ(roles->trust_domain(), "vsecm.com");
  EXPECT_EQ(roles->safe_pattern().text(),
            "^spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/[^/]+$");

  EXPECT_EQ(roles->Classify(Id(kSentinel)), Role::kSentinel);
  EXPECT_EQ(roles->Classify(Id(kSafe)), Role::kSafe);
  EXPECT_EQ(roles->Classify(Id(kBilling)), Role::kWorkload);
  EXPECT_TRUE(roles->IsSentinel(Id(kSentinel)));
  EXPECT_FALSE(roles->IsSentinel(Id(kBilling)));
  EXPECT_TRUE(roles->IsSafe(Id(kSafe)));
  EXPECT_FALSE(roles->IsSafe(Id(kSentinel)));
  EXPECT_TRUE(roles->IsWorkload(Id(kSentinel)));  // as in VSecM, Sentinel is a workload too

  EXPECT_EQ(roles->WorkloadName(Id(kBilling)), "billing");
  // Roles are exclusive: Sentinel and the Safe never have a workload name (VSecM serves
  // Sentinel the secret "vsecm-sentinel").
  EXPECT_FALSE(roles->WorkloadName(Id(kSentinel)).has_value());
  EXPECT_FALSE(roles->WorkloadName(Id(kSafe)).has_value());
  EXPECT_EQ(roles->WorkloadNamespace(Id(kBilling)), "finance");
  EXPECT_FALSE(roles->WorkloadNamespace(Id(kSentinel)).has_value());
  EXPECT_EQ(std::string(RoleName(Role::kSentinel)), "sentinel");
}

TEST(RolesTest, IdsOutsideThePatternsHaveNoRole) {
  StatusOr<RoleMatcher> roles = RoleMatcher::Defaults();
  ASSERT_TRUE(roles.ok());
  const char* const outsiders[] = {
      "spiffe://vsecm.com/workload/billing",                                    // too short
      "spiffe://vsecm.com/workload/billing/ns/finance/sa/billing/n/pod/extra",  // too long
      "spiffe://vsecm.com/other/billing/ns/finance/sa/billing/n/pod",
      "spiffe://evil.com/workload/billing/ns/finance/sa/billing/n/pod",  // other domain
      "spiffe://vsecm.com.evil.com/workload/billing/ns/f/sa/b/n/p",
      "spiffe://vsecm.com",
  };
  for (const char* text : outsiders) {
    const SpiffeId id = Id(text);
    EXPECT_EQ(roles->Classify(id), Role::kNone) << text;
    EXPECT_FALSE(roles->WorkloadName(id).has_value()) << text;
  }
  // Sentinel's name in the wrong namespace is just a workload.
  const SpiffeId fake_sentinel =
      Id("spiffe://vsecm.com/workload/vsecm-sentinel/ns/default/sa/vsecm-sentinel/n/x");
  EXPECT_EQ(roles->Classify(fake_sentinel), Role::kWorkload);
  EXPECT_FALSE(roles->IsSentinel(fake_sentinel));
}

TEST(RolesTest, TrustDomainFromTheEnvironmentShapesTheDefaults) {
  StatusOr<RoleMatcher> roles =
      RoleMatcher::FromEnvironment(Env({{"SPIFFE_TRUST_DOMAIN", "corp.example"}}));
  ASSERT_TRUE(roles.ok()) << roles.status().ToString();
  EXPECT_EQ(roles->trust_domain(), "corp.example");
  const SpiffeId ours = Id("spiffe://corp.example/workload/app/ns/a/sa/b/n/c");
  EXPECT_EQ(roles->WorkloadName(ours), "app");
  EXPECT_EQ(roles->Classify(Id(kBilling)), Role::kNone);  // vsecm.com is now foreign

  EXPECT_FALSE(RoleMatcher::FromEnvironment(Env({{"SPIFFE_TRUST_DOMAIN", "Bad Domain"}})).ok());
  // An empty value counts as unset, as in VSecM.
  StatusOr<RoleMatcher> empty = RoleMatcher::FromEnvironment(Env({{"SPIFFE_TRUST_DOMAIN", ""}}));
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->trust_domain(), "vsecm.com");
}

TEST(RolesTest, RegexOverrides) {
  StatusOr<RoleMatcher> roles = RoleMatcher::FromEnvironment(Env({
      {"VSECM_SPIFFEID_PREFIX_SENTINEL",
       "^spiffe://vsecm.com/workload/admin/ns/ops/sa/admin/n/[^/]+$"},
      {"VSECM_WORKLOAD_NAME_REGEXP",
       "^spiffe://vsecm.com/workload/[^/]+/ns/([^/]+)/sa/[^/]+/n/[^/]+$"},
  }));
  ASSERT_TRUE(roles.ok()) << roles.status().ToString();
  EXPECT_EQ(roles->Classify(Id("spiffe://vsecm.com/workload/admin/ns/ops/sa/admin/n/a1")),
            Role::kSentinel);
  EXPECT_EQ(roles->Classify(Id(kSentinel)), Role::kWorkload);
  EXPECT_EQ(roles->WorkloadName(Id(kBilling)), "finance");  // group 1 is now the namespace
}

TEST(RolesTest, LiteralPrefixesAsInOlderVsecm) {
  StatusOr<RoleMatcher> roles = RoleMatcher::FromEnvironment(Env({
      {"VSECM_SPIFFEID_PREFIX_SENTINEL",
       "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/"},
  }));
  ASSERT_TRUE(roles.ok()) << roles.status().ToString();
  EXPECT_TRUE(roles->IsSentinel(Id(kSentinel)));
  EXPECT_FALSE(roles->IsSentinel(Id(kBilling)));
}

TEST(RolesTest, RefusesInsecureOrBrokenPatterns) {
  struct Case {
    const char* variable;
    const char* value;
    const char* why;
  };
  const Case cases[] = {
      // A prefix that would match any trust domain.
      {"VSECM_SPIFFEID_PREFIX_SENTINEL", "spiffe://", "must start with"},
      {"VSECM_SPIFFEID_PREFIX_SAFE", "^spiffe://.*", "must start with"},
      {"VSECM_SPIFFEID_PREFIX_WORKLOAD", "workload/", "must start with"},
      {"VSECM_WORKLOAD_NAME_REGEXP", "workload/([^/]+)", "must start with"},
      {"VSECM_WORKLOAD_NAME_REGEXP", "^spiffe://vsecm.com/workload/[^/]+$", "capture group"},
      {"VSECM_SPIFFEID_PREFIX_SAFE", "^spiffe://vsecm.com/workload/(", "does not compile"},
  };
  for (const Case& c : cases) {
    StatusOr<RoleMatcher> roles = RoleMatcher::FromEnvironment(Env({{c.variable, c.value}}));
    ASSERT_FALSE(roles.ok()) << c.variable << "=" << c.value;
    EXPECT_EQ(roles.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(roles.status().message().find(c.variable), std::string::npos)
        << roles.status().message();
    EXPECT_NE(roles.status().message().find(c.why), std::string::npos) << roles.status().message();
  }
}

}  // namespace
}  // namespace vsecm::identity
