// The root key in the vsecm-root-key Secret, as VSecM keeps it.
#include <gtest/gtest.h>

#include "k8s_test_util.hpp"
#include "vsecm/k8s/root_key_secret.hpp"

namespace vsecm::k8s {
namespace {

using testing::FakeClient;
using testing::FakeKubeApi;

constexpr const char* kNs = "vsecm-system";
const std::string kKey =
    "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n"
    "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq\n"
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(RootKeySecretTest, NameFromEnvironment) {
  EXPECT_EQ(RootKeySecretName(testing::MapEnv({})), "vsecm-root-key");
  EXPECT_EQ(RootKeySecretName(testing::MapEnv({{"VSECM_ROOT_KEY_NAME", "my-key"}})), "my-key");
}

TEST(RootKeySecretTest, CreateThenReadAndNeverOverwrite) {
  FakeKubeApi fake;
  FakeClient c(fake);
  auto absent = ReadRootKey(*c.api, kNs, "vsecm-root-key");
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(CreateRootKey(*c.api, kNs, "vsecm-root-key", Bytes(kKey)).ok());
  auto stored = fake.Get(kNs, "vsecm-root-key");
  ASSERT_TRUE(stored.has_value());
  EXPECT_TRUE((*stored)["data"].contains("KEY_TXT"));
  EXPECT_EQ((*stored)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");

  auto read = ReadRootKey(*c.api, kNs, "vsecm-root-key");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_TRUE(read->Equals(Bytes(kKey)));

  Status again = CreateRootKey(*c.api, kNs, "vsecm-root-key", Bytes("another key"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(again.message().find("another key"), std::string::npos);
  EXPECT_TRUE(ReadRootKey(*c.api, kNs, "vsecm-root-key")->Equals(Bytes(kKey)));
}

TEST(RootKeySecretTest, FillsTheEmptySecretTheChartCreated) {
  FakeKubeApi fake;
  fake.Seed(kNs, {{"metadata",
                   {{"name", "vsecm-root-key"},
                    {"labels", {{"app.kubernetes.io/instance", "vsecm"}}},
                    {"annotations", {{"meta.helm.sh/release-name", "vsecm"}}}}},
                  {"type", "Opaque"}});
  FakeClient c(fake);
  EXPECT_EQ(ReadRootKey(*c.api, kNs, "vsecm-root-key").status().code(), StatusCode::kNotFound);
  // Another replica touches it between our read and write once: a conflict, re-read, success.
  fake.InterleaveWritesBeforeUpdates(1);
  ASSERT_TRUE(CreateRootKey(*c.api, kNs, "vsecm-root-key", Bytes(kKey)).ok());
  auto stored = fake.Get(kNs, "vsecm-root-key");
  EXPECT_EQ((*stored)["metadata"]["annotations"]["meta.helm.sh/release-name"], "vsecm")
      << "the chart's metadata is kept";
  EXPECT_TRUE(ReadRootKey(*c.api, kNs, "vsecm-root-key")->Equals(Bytes(kKey)));
  int conflicts = 0;
  for (const auto& r : fake.Requests()) conflicts += r.status == 409;
  EXPECT_EQ(conflicts, 1);
}

TEST(RootKeySecretTest, RaceOnCreateEndsInAlreadyExistsForTheLoser) {
  FakeKubeApi fake;
  FakeClient a(fake);
  FakeClient b(fake);
  Status first = CreateRootKey(*a.api, kNs, "vsecm-root-key", Bytes(kKey));
  Status second = CreateRootKey(*b.api, kNs, "vsecm-root-key", Bytes("loser key text"));
  EXPECT_TRUE(first.ok());
  EXPECT_EQ(second.code(), StatusCode::kAlreadyExists);
  EXPECT_TRUE(ReadRootKey(*b.api, kNs, "vsecm-root-key")->Equals(Bytes(kKey)));
}

TEST(RootKeySecretTest, ForbiddenReadSaysWhatRbacMustAllow) {
  FakeKubeApi fake;
  fake.Forbid("get", "vsecm-root-key");
  FakeClient c(fake);
  auto r = ReadRootKey(*c.api, kNs, "vsecm-root-key");
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(r.status().message().find("verb \"get\""), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace vsecm::k8s
