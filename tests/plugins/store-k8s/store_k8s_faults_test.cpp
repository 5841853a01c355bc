// vsecm-store-k8s when the API server pushes back: conflicts, throttling, outages, token
// rotation, RBAC, and a certificate that does not verify.
#include <gtest/gtest.h>

#include "store_k8s_fixture.hpp"

namespace vsecm::testing {
namespace {

int CountStatus(const FakeKubeApi& fake, int status) {
  int n = 0;
  for (const auto& r : fake.Requests()) n += r.status == status;
  return n;
}

TEST(StoreK8sFaultsTest, ResourceVersionConflictsAreRetriedOnFreshReads) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("app", "v1"));
  fake.InterleaveWritesBeforeUpdates(2);  // another writer wins twice
  ASSERT_OK(store.Put("app", "v2"));
  EXPECT_EQ(CountStatus(fake, 409), 2);
  EXPECT_EQ(*store.Get("app"), "v2");
  auto object = store.Object("vsecm-secret-app");
  EXPECT_TRUE((*object)["metadata"]["annotations"].contains("fake.vsecm.com/other-writer"))
      << "the other writer's change was read back, not overwritten blindly";
}

TEST(StoreK8sFaultsTest, EndlessConflictsGiveUpWithAClearError) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("app", "v1"));
  fake.InterleaveWritesBeforeUpdates(1000);
  Status s = store.Put("app", "v2");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("still conflicting"), std::string::npos) << s.message();
  fake.InterleaveWritesBeforeUpdates(0);
  EXPECT_EQ(*store.Get("app"), "v1") << "a failed put leaves the previous value readable";
}

TEST(StoreK8sFaultsTest, ThrottlingAndOutagesAreRetriedThenSucceed) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  fake.FailNext(2, 429, 0);
  ASSERT_OK(store.Put("a", "1"));
  EXPECT_EQ(CountStatus(fake, 429), 2);
  fake.FailNext(3, 503);
  ASSERT_OK(store.Put("a", "2"));
  EXPECT_EQ(CountStatus(fake, 503), 3);
  fake.DropNext(2);
  EXPECT_EQ(*store.Get("a"), "2");
  fake.FailNext(2, 504);
  ASSERT_OK(store.Remove("a"));
  EXPECT_FALSE(store.Object("vsecm-secret-a").has_value());
}

TEST(StoreK8sFaultsTest, PersistentServerErrorIsAClearErrorAfterBoundedRetries) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  store.settings()["retry_max_attempts"] = "3";
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("a", "before"));
  fake.ClearRequests();
  fake.FailNext(1000, 500);
  Status s = store.Put("a", "after");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("500 InternalError"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("after 3 attempts"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("secret vsecm-system/vsecm-secret-a"), std::string::npos);
  EXPECT_EQ(s.message().find("after\""), std::string::npos);
  EXPECT_EQ(fake.Requests().size(), 3u);
  fake.FailNext(0, 500);
  EXPECT_EQ(*store.Get("a"), "before");
}

TEST(StoreK8sFaultsTest, RotatedTokenIsReReadAfter401) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("a", "1"));
  fake.SetTokens({"rotated-token"});
  WriteFile(store.dir() / "token", "rotated-token\n");
  fake.ClearRequests();
  ASSERT_OK(store.Put("a", "2"));
  const auto log = fake.Requests();
  ASSERT_GE(log.size(), 2u);
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(log[1].authorization, "Bearer rotated-token");
  EXPECT_EQ(*store.Get("a"), "2");
}

TEST(StoreK8sFaultsTest, ForbiddenSaysWhichVerbRbacMustAllow) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  fake.Forbid("create");
  Status create = store.Put("a", "1");
  EXPECT_EQ(create.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(create.message().find("403 Forbidden"), std::string::npos) << create.message();
  EXPECT_NE(create.message().find("RBAC must allow verb \"create\" on resource \"secrets\""),
            std::string::npos)
      << create.message();
  fake.ClearForbidden();
  fake.Forbid("list");
  auto list = store.List();
  EXPECT_EQ(list.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(list.status().message().find("verb \"list\""), std::string::npos);
  EXPECT_EQ(CountStatus(fake, 403), 2) << "403 is not retried";
}

TEST(StoreK8sFaultsTest, UnverifiableServerCertificateIsAClearError) {
  FakeKubeApi fake;
  FakeKubeApi impostor;  // another server with a CA the kubeconfig does not trust
  StoreK8s store(fake);
  std::string kubeconfig = fake.Kubeconfig("fake-token");
  const std::string from = "server: " + fake.server_url();
  kubeconfig.replace(kubeconfig.find(from), from.size(), "server: " + impostor.server_url());
  WriteFile(store.dir() / "impostor", kubeconfig);
  store.settings()["kubeconfig"] = store.dir() / "impostor";
  ASSERT_OK(store.Start());
  Status s = store.Put("a", "cipher");
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("tls handshake with " + impostor.server_url()), std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("certificate"), std::string::npos);
  EXPECT_TRUE(impostor.Requests().empty()) << "nothing is sent to an unverified server";
}

}  // namespace
}  // namespace vsecm::testing
