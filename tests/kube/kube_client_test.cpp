// vsecm-store-k8s's Kubernetes client (KubeClient, SecretsApi) against the real API server, for
// what the fake can only imitate: a real 401 for a token the API server no longer accepts (its
// ServiceAccount was deleted and made anew) and the re-read of a rotated token file; paging
// through more Secrets than one list page (limit=500) with the API server's continue tokens;
// the API server's own refusal of a Secret over 1 MiB; the admin's client certificate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "real_kube.hpp"
#include "test_support.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/secrets_api.hpp"

namespace vsecm::kube {
namespace {

using ::testing::HasSubstr;
using vsecm::testing::TempDir;

std::unique_ptr<k8s::KubeClient> ClientFor(const std::string& kubeconfig) {
  auto config = k8s::LoadKubeconfig(kubeconfig);
  EXPECT_TRUE(config.ok()) << config.status().ToString();
  if (!config.ok()) return nullptr;
  k8s::KubeClient::Options options;
  options.request_timeout = std::chrono::milliseconds(60000);
  options.token_recheck = std::chrono::seconds(3600);  // only a 401 re-reads the token file
  auto c = k8s::KubeClient::Create(std::move(config).value(), std::move(options));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return c.ok() ? std::move(c).value() : nullptr;
}

k8s::Secret Make(const std::string& name, size_t bytes = 8) {
  k8s::Secret s;
  s.metadata.name = name;
  s.metadata.labels["app"] = "kube-client-test";
  s.data.emplace("v", kernel::SecretBytes::CopyOf(std::string_view(std::string(bytes, 'x'))));
  return s;
}

class KubeClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    kube_ = RealKube::Get(&why);
    if (kube_ == nullptr) GTEST_SKIP() << why;
    ns_ = UniqueName("client");
    kube_->CreateNamespace(ns_);
    kube_->CreateServiceAccount(ns_, "vsecm-safe");
    kube_->GrantSecrets(ns_, "vsecm-safe-store",
                        {"get", "list", "watch", "create", "update", "patch", "delete"}, ns_,
                        "vsecm-safe");
    ASSERT_TRUE(kube_->WaitCan(true, "list", ns_, ns_, "vsecm-safe"));
  }
  void TearDown() override {
    if (kube_ != nullptr) kube_->Kubectl("delete secrets --all -n " + ns_ + " --wait=false");
  }
  const RealKube* kube_ = nullptr;
  std::string ns_;
  TempDir dir_;
};

TEST_F(KubeClientTest, ARevokedTokenIsARealUnauthorizedAndARotatedTokenFileIsReRead) {
  const std::string kubeconfig = kube_->ServiceAccountKubeconfig(dir_.path(), ns_, "vsecm-safe");
  auto client = ClientFor(kubeconfig);
  ASSERT_NE(client, nullptr);
  k8s::SecretsApi api(*client);
  ASSERT_TRUE(api.Create(ns_, Make("before")).ok());

  // The token dies with its ServiceAccount: delete it and make it anew (a new uid).
  kube_->MustKubectl("delete serviceaccount vsecm-safe -n " + ns_);
  kube_->CreateServiceAccount(ns_, "vsecm-safe");
  Status refused;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {  // the API server's ServiceAccount cache follows the deletion within moments
    refused = api.Get(ns_, "before").status();
    if (!refused.ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  } while (std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied) << refused.ToString();
  EXPECT_THAT(refused.ToString(), HasSubstr("401"));
  EXPECT_THAT(refused.ToString(), HasSubstr("the API server refused the credentials"));

  // A fresh token from the TokenRequest API, written over the file the way the kubelet rotates
  // a projected token (rename): the next 401 makes the client read it, and the call succeeds.
  kube_->ServiceAccountKubeconfig(dir_.path(), ns_, "vsecm-safe");
  auto after = api.Get(ns_, "before");
  EXPECT_TRUE(after.ok()) << after.status().ToString();
}

TEST_F(KubeClientTest, AListLongerThanAPageFollowsTheApiServersContinueTokens) {
  auto client = ClientFor(kube_->ServiceAccountKubeconfig(dir_.path(), ns_, "vsecm-safe"));
  ASSERT_NE(client, nullptr);
  k8s::SecretsApi api(*client);
  constexpr int kCount = 530;  // one page is 500
  for (int i = 0; i < kCount; ++i) {
    auto created = api.Create(ns_, Make("page-" + std::to_string(i)));
    ASSERT_TRUE(created.ok()) << i << ": " << created.status().ToString();
  }
  auto listed = api.List(ns_, "app=kube-client-test");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  std::set<std::string> names;
  for (const auto& s : *listed) names.insert(s.metadata.name);
  EXPECT_EQ(listed->size(), static_cast<size_t>(kCount)) << "each Secret once";
  EXPECT_EQ(names.size(), static_cast<size_t>(kCount));
  auto meta = api.ListMetadata(ns_, "app=kube-client-test");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->size(), static_cast<size_t>(kCount));
}

TEST_F(KubeClientTest, TheApiServerRefusesASecretOverOneMebibyteWithAClearError) {
  auto client = ClientFor(kube_->ServiceAccountKubeconfig(dir_.path(), ns_, "vsecm-safe"));
  ASSERT_NE(client, nullptr);
  k8s::SecretsApi api(*client);
  auto fits = api.Create(ns_, Make("fits", 1000 * 1024));
  EXPECT_TRUE(fits.ok()) << fits.status().ToString();
  auto too_big = api.Create(ns_, Make("too-big", k8s::kMaxSecretDataBytes + 1));
  ASSERT_FALSE(too_big.ok());
  std::printf("[ kube     ] a Secret of 1 MiB + 1 byte: %s\n", too_big.status().ToString().c_str());
  EXPECT_THAT(too_big.status().ToString(), HasSubstr("too-big"));
  EXPECT_EQ(kube_->GetSecret(ns_, "too-big"), std::nullopt);
}

TEST_F(KubeClientTest, TheAdminClientCertificateAuthenticates) {
  auto client = ClientFor(kube_->admin);
  ASSERT_NE(client, nullptr);
  k8s::SecretsApi api(*client);
  auto created = api.Create(ns_, Make("by-admin"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  auto read = api.Get(ns_, "by-admin");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->metadata.uid, created->metadata.uid);
  EXPECT_FALSE(read->metadata.resource_version.empty());
}

}  // namespace
}  // namespace vsecm::kube
