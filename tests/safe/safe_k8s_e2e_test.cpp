// The Safe with Kubernetes, against the fake API server the tests start (no real cluster here):
// the root key is created in, and later read from, the vsecm-root-key Secret, and `k8s:`
// secrets are kept as ordinary Secrets in each of their namespaces, and deleted with them.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <fstream>

#include "dev_safe.hpp"
#include "fake_kube_api.hpp"

namespace vsecm::testing {
namespace {

std::string Base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

class SafeK8sE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(kubeconfig_dir_ / "kubeconfig") << kube_.Kubeconfig("fake-token");
    safe_.SetEnv("VSECM_SAFE_KUBERNETES", "true");
    safe_.SetEnv("KUBECONFIG", kubeconfig_dir_ / "kubeconfig");
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  }

  HttpAnswer Sentinel(const std::string& method, const std::string& body) {
    return safe_.Call(safe_.Sentinel(), method, "/sentinel/v1/secrets", body);
  }

  FakeKubeApi kube_;
  TempDir kubeconfig_dir_;
  DevSafe safe_;
};

TEST_F(SafeK8sE2eTest, TheRootKeyLivesInItsSecret) {
  auto root = kube_.Get("vsecm-system", "vsecm-root-key");
  ASSERT_TRUE(root.has_value());
  EXPECT_TRUE((*root)["data"].contains("KEY_TXT"));
  EXPECT_FALSE(std::filesystem::exists(safe_.dir() / "key.txt"));  // never written to disk

  ASSERT_EQ(Sentinel("POST", R"({"workloads":["billing"],"value":"kept"})").status, 200);
  safe_.Kill(SIGKILL);
  ASSERT_TRUE(safe_.Start());
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();  // the same key, read back from the Secret
  std::string billing = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/b-0", "billing");
  auto read = safe_.Call(billing, "GET", "/workload/v1/secrets");
  EXPECT_EQ(nlohmann::json::parse(read.body)["data"], "kept") << read.body;
}

TEST_F(SafeK8sE2eTest, K8sSecretsAreMaterializedInEachNamespaceAndDeletedWithTheSecret) {
  HttpAnswer put = Sentinel("POST", R"({"workloads":["k8s:db-creds"],"namespaces":["apps","billing"],
      "value":"{\"user\":\"admin\",\"pass\":\"p@ss\"}"})");
  ASSERT_EQ(put.status, 200) << put.body << safe_.Log();
  for (const char* ns : {"apps", "billing"}) {
    auto secret = kube_.Get(ns, "db-creds");
    ASSERT_TRUE(secret.has_value()) << ns;
    EXPECT_EQ((*secret)["data"]["user"], Base64("admin"));
    EXPECT_EQ((*secret)["data"]["pass"], Base64("p@ss"));
    EXPECT_EQ((*secret)["metadata"]["labels"]["app.kubernetes.io/operated-by"], "vsecm");
  }
  ASSERT_EQ(Sentinel("POST", R"({"workloads":["k8s:token"],"value":"not json"})").status, 200);
  EXPECT_EQ((*kube_.Get("default", "token"))["data"]["VALUE"], Base64("not json"));

  // An update replaces the data.
  ASSERT_EQ(Sentinel("POST", R"({"workloads":["k8s:db-creds"],"namespaces":["apps","billing"],
      "value":"{\"user\":\"admin\",\"pass\":\"rotated\"}"})").status, 200);
  EXPECT_EQ((*kube_.Get("apps", "db-creds"))["data"]["pass"], Base64("rotated"));

  ASSERT_EQ(Sentinel("DELETE", R"({"workloads":["k8s:db-creds"]})").status, 200);
  EXPECT_FALSE(kube_.Get("apps", "db-creds").has_value());
  EXPECT_FALSE(kube_.Get("billing", "db-creds").has_value());
  EXPECT_TRUE(kube_.Get("default", "token").has_value());
}

TEST_F(SafeK8sE2eTest, AForbiddenWriteIsReportedNotHidden) {
  kube_.Forbid("create", "blocked");
  HttpAnswer put = Sentinel("POST", R"({"workloads":["k8s:blocked"],"value":"v"})");
  EXPECT_EQ(put.status, 500) << put.body;
  EXPECT_THAT(put.body, ::testing::HasSubstr("is stored, but not as a Kubernetes Secret"));
  EXPECT_THAT(put.body, ::testing::Not(::testing::HasSubstr("\"v\"")));
}

}  // namespace
}  // namespace vsecm::testing
