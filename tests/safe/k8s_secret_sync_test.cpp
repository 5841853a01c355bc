// K8sSecretSync against the fake API server: which Secrets a `k8s:` secret may write (only
// ones VSecM manages for it, never in the Safe's own namespaces), that a refusal changes
// nothing anywhere, and that a stalled API server costs an operation its budget, not more.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <map>

#include "fake_kube_api.hpp"
#include "k8s_secret_ownership.hpp"
#include "k8s_secret_sync.hpp"
#include "test_support.hpp"

namespace vsecm::safe {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::FakeKubeApi;
using testing::TempDir;

kernel::EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

kernel::SecretBytes Value(std::string_view text) { return kernel::SecretBytes::CopyOf(text); }

// A Secret someone else made: no VSecM label or annotation.
nlohmann::json Foreign(const std::string& name) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "billing"}}}}},
          {"data", {{"password", "aGFuZHMtb2Zm"}}}};
}

// Counts the requests that would change something.
size_t Writes(const FakeKubeApi& kube) {
  size_t n = 0;
  for (const auto& r : kube.Requests()) n += r.method != "GET";
  return n;
}

class K8sSecretSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_ / "kubeconfig") << kube_.Kubeconfig("fake-token");
    options_.enabled = true;
    options_.kubeconfig = dir_ / "kubeconfig";
    options_.system_namespace = "vsecm-system";
    options_.store_namespace = "vsecm-store";
  }

  std::unique_ptr<K8sSecretSync> Open() {
    auto sync = K8sSecretSync::Open(options_);
    EXPECT_TRUE(sync.ok()) << sync.status().ToString();
    return sync.ok() ? std::move(sync).value() : nullptr;
  }

  FakeKubeApi kube_;
  TempDir dir_;
  KubernetesOptions options_;
};

TEST_F(K8sSecretSyncTest, TheSafesOwnNamespacesAreRefusedBeforeAnyRequest) {
  kube_.Seed("vsecm-system", {{"metadata", {{"name", "vsecm-root-key"},
                                            {"labels", {{"app.kubernetes.io/managed-by", "vsecm"}}}}},
                              {"data", {{"KEY_TXT", "a2V5"}}}});
  const auto root_key = kube_.Get("vsecm-system", "vsecm-root-key");
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  kube_.ClearRequests();
  const size_t received = kube_.ReceivedCount();

  Status s = sync->CheckTarget("k8s:vsecm-root-key", {"vsecm-system"});
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("vsecm-system/vsecm-root-key is the Safe's root key Secret"));

  s = sync->Apply("k8s:vsecm-root-key", {"vsecm-system"}, Value("x"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  // Any name in the system namespace, and the k8s store's namespace, even listed after an
  // allowed one: nothing is written anywhere, not even in the allowed one.
  s = sync->Apply("k8s:anything", {"apps", "vsecm-system"}, Value("x"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("vsecm-system/anything: namespace vsecm-system is the Safe's own"));
  s = sync->CheckTarget("k8s:records", {"vsecm-store"});
  EXPECT_THAT(s.message(), HasSubstr("vsecm-store/records: namespace vsecm-store is where "
                                     "vsecm-store-k8s keeps its records"));
  EXPECT_EQ(kube_.ReceivedCount(), received) << "a reserved target must not even be read";
  EXPECT_FALSE(kube_.Get("apps", "anything").has_value());

  // Deleting such a secret never deletes the root key.
  s = sync->Remove("k8s:vsecm-root-key", {"vsecm-system"});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("left in place: Kubernetes Secret vsecm-system/vsecm-root-key"));
  EXPECT_EQ(kube_.Get("vsecm-system", "vsecm-root-key"), root_key);
  EXPECT_EQ(kube_.ReceivedCount(), received);
}

TEST_F(K8sSecretSyncTest, AForeignSecretIsRefusedAndLeftUnchanged) {
  kube_.Seed("apps", Foreign("db-creds"));
  const auto before = kube_.Get("apps", "db-creds");
  auto sync = Open();
  ASSERT_NE(sync, nullptr);

  Status s = sync->CheckTarget("k8s:db-creds", {"billing", "apps"});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("Kubernetes Secret apps/db-creds exists and is not managed by VSecM"));
  s = sync->Apply("k8s:db-creds", {"billing", "apps"}, Value("secret-value"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("apps/db-creds exists and is not managed by VSecM"));
  EXPECT_THAT(s.message(), Not(HasSubstr("secret-value")));
  EXPECT_EQ(kube_.Get("apps", "db-creds"), before);
  EXPECT_FALSE(kube_.Get("billing", "db-creds").has_value()) << "refused, so nothing anywhere";
  EXPECT_EQ(Writes(kube_), 0u);
}

TEST_F(K8sSecretSyncTest, OnlyBothMarksForThisVeryNameMakeASecretVSecMs) {
  // The root key Secret's own style: the label alone proves nothing.
  kube_.Seed("apps", {{"metadata", {{"name", "labelled"},
                                    {"labels", {{"app.kubernetes.io/managed-by", "vsecm"}}}}}});
  // The compatibility label alone neither.
  kube_.Seed("apps", {{"metadata", {{"name", "operated"},
                                    {"labels", {{"app.kubernetes.io/operated-by", "vsecm"}}}}}});
  // Both marks, for another VSecM secret.
  kube_.Seed("apps", {{"metadata", {{"name", "other"},
                                    {"labels", {{"app.kubernetes.io/managed-by", "vsecm"}}},
                                    {"annotations", {{"vsecm.com/secret-name", "k8s:someone"}}}}}});
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  for (const char* name : {"k8s:labelled", "k8s:operated", "k8s:other"}) {
    Status s = sync->Apply(name, {"apps"}, Value("v"));
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << name << ": " << s.ToString();
    EXPECT_THAT(s.message(), HasSubstr("exists and is not managed by VSecM")) << name;
  }
  EXPECT_EQ(Writes(kube_), 0u);
}

TEST_F(K8sSecretSyncTest, SecretsVSecMCreatedCarryTheMarksAndAreUpdatedAndDeleted) {
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  ASSERT_OK(sync->CheckTarget("k8s:db-creds", {"apps"}));
  ASSERT_OK(sync->Apply("k8s:db-creds", {"apps"}, Value("one")));
  auto made = kube_.Get("apps", "db-creds");
  ASSERT_TRUE(made.has_value());
  EXPECT_EQ((*made)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");
  EXPECT_EQ((*made)["metadata"]["labels"]["app.kubernetes.io/operated-by"], "vsecm");
  EXPECT_EQ((*made)["metadata"]["annotations"]["vsecm.com/secret-name"], "k8s:db-creds");

  ASSERT_OK(sync->CheckTarget("k8s:db-creds", {"apps"}));
  ASSERT_OK(sync->Apply("k8s:db-creds", {"apps"}, Value("two")));
  EXPECT_EQ((*kube_.Get("apps", "db-creds"))["data"]["VALUE"], "dHdv");
  ASSERT_OK(sync->Remove("k8s:db-creds", {"apps", "billing"}));  // billing: never made, fine
  EXPECT_FALSE(kube_.Get("apps", "db-creds").has_value());
}

TEST_F(K8sSecretSyncTest, RemoveDeletesWhatVSecMManagesAndLeavesTheRest) {
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  ASSERT_OK(sync->Apply("k8s:db-creds", {"apps", "billing"}, Value("v")));
  kube_.Seed("apps", Foreign("db-creds"));  // someone took apps/db-creds over since
  const auto taken = kube_.Get("apps", "db-creds");

  Status s = sync->Remove("k8s:db-creds", {"apps", "billing"});
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("left in place: Kubernetes Secret apps/db-creds exists and is "
                                     "not managed by VSecM"));
  EXPECT_EQ(kube_.Get("apps", "db-creds"), taken);
  EXPECT_FALSE(kube_.Get("billing", "db-creds").has_value()) << "VSecM's own copy is deleted";
}

TEST_F(K8sSecretSyncTest, ASecretThatAppearsBetweenTheCheckAndTheWriteIsRefused) {
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  ASSERT_OK(sync->CheckTarget("k8s:db-creds", {"apps"}));
  // Created by someone else just before the Safe's create: that create meets 409 AlreadyExists,
  // the Safe reads again and finds a Secret it does not manage.
  kube_.CreateBeforeNextCreate("apps", Foreign("db-creds"));
  Status s = sync->Apply("k8s:db-creds", {"apps"}, Value("v"));
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("apps/db-creds exists and is not managed by VSecM"));
  auto now = kube_.Get("apps", "db-creds");
  ASSERT_TRUE(now.has_value());
  EXPECT_EQ(now->at("data"), Foreign("db-creds").at("data"));
  EXPECT_FALSE(now->at("metadata").contains("annotations"));
  bool create_refused = false;
  for (const auto& r : kube_.Requests()) create_refused |= r.method == "POST" && r.status == 409;
  EXPECT_TRUE(create_refused) << "the race did not happen";
}

TEST_F(K8sSecretSyncTest, AStalledApiServerCostsAnOperationItsBudget) {
  options_.api_budget = std::chrono::milliseconds(1500);
  auto sync = Open();
  ASSERT_NE(sync, nullptr);
  const size_t received = kube_.ReceivedCount();
  kube_.StallNext(1000, std::chrono::seconds(120));
  const auto start = std::chrono::steady_clock::now();
  Status s = sync->Apply("k8s:db-creds", {"apps", "billing"}, Value("v"));
  const auto took = std::chrono::steady_clock::now() - start;
  kube_.ReleaseStalls();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_THAT(s.message(), HasSubstr("time budget of"));
  EXPECT_THAT(s.message(), HasSubstr("request deadline of"));
  // Each send is cut to what is left of the budget: a handful of sends, not attempts x 10 s.
  EXPECT_GE(kube_.ReceivedCount() - received, 1u);
  EXPECT_LE(kube_.ReceivedCount() - received, 6u);
  EXPECT_LT(took, std::chrono::milliseconds(5 * 1500)) << "very loose: only a runaway fails it";
}

TEST(KubernetesOptionsTest, FromEnvAndTheStoreNamespace) {
  auto o = KubernetesOptionsFromEnv(MapEnv({}));
  EXPECT_EQ(o.system_namespace, "");
  EXPECT_EQ(o.root_key_secret_name, "vsecm-root-key");
  EXPECT_EQ(o.api_budget, std::chrono::milliseconds(30000));
  o = KubernetesOptionsFromEnv(
      MapEnv({{"VSECM_NAMESPACE_SYSTEM", "vsecm"}, {"VSECM_ROOT_KEY_NAME", "the-key"}}));
  EXPECT_EQ(o.system_namespace, "vsecm");
  EXPECT_EQ(o.root_key_secret_name, "the-key");

  kernel::KernelConfig config;
  config.store.name = "vsecm-store-fs";
  config.store.settings["namespace"] = {"records", kernel::ConfigValue::Kind::kString, "file:1"};
  EXPECT_EQ(StoreK8sNamespace(config, MapEnv({})), "") << "not the k8s store";
  config.store.name = "vsecm-store-k8s";
  EXPECT_EQ(StoreK8sNamespace(config, MapEnv({})), "records");
  EXPECT_EQ(StoreK8sNamespace(config, MapEnv({{"VSECM_NAMESPACE_SYSTEM", "env-ns"}})), "env-ns")
      << "the plugin's environment override wins, as the kernel resolves it";
  config.store.settings.clear();
  EXPECT_EQ(StoreK8sNamespace(config, MapEnv({})), "");
}

}  // namespace
}  // namespace vsecm::safe
