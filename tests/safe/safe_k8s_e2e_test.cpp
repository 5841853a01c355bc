// The Safe with Kubernetes, against the fake API server the tests start (no real cluster here):
// the root key is created in, and later read from, the vsecm-root-key Secret, and `k8s:`
// secrets are kept as ordinary Secrets in each of their namespaces, and deleted with them;
// but only Secrets VSecM manages for them, and never in the Safe's own namespace.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <thread>

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

using ::testing::HasSubstr;
using ::testing::Not;

// A Secret someone else made: no VSecM label or annotation.
nlohmann::json Foreign(const std::string& name) {
  return {{"metadata", {{"name", name}, {"labels", {{"app", "billing"}}}}},
          {"data", {{"password", Base64("hands-off")}}}};
}

// Whether an audit entry's reason has `what` (the Safe writes the entry before it answers, but
// the journal is read from another process: wait for it).
bool AuditHas(const DevSafe& safe, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::istringstream journal(ReadAll(safe.dir() / "audit.jsonl"));
    for (std::string line; std::getline(journal, line);) {
      auto entry = nlohmann::json::parse(line, nullptr, false);
      if (entry.is_object() && entry.value("reason", "").find(what) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
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
    EXPECT_EQ((*secret)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");
    EXPECT_EQ((*secret)["metadata"]["annotations"]["vsecm.com/secret-name"], "k8s:db-creds");
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

// Issue 12, item 1: the Safe's RBAC reaches its own root key Secret, and VSecM replaced any
// Secret a `k8s:` secret named.
TEST_F(SafeK8sE2eTest, AK8sSecretCannotOverwriteOrDeleteTheRootKey) {
  ASSERT_EQ(Sentinel("POST", R"({"workloads":["billing"],"value":"kept"})").status, 200);
  const auto root = kube_.Get("vsecm-system", "vsecm-root-key");
  ASSERT_TRUE(root.has_value());
  kube_.ClearRequests();

  HttpAnswer put = Sentinel("POST", R"({"workloads":["k8s:vsecm-root-key"],
      "namespaces":["vsecm-system"],"value":"x"})");
  EXPECT_NE(put.status, 200) << put.body;
  EXPECT_THAT(put.body, HasSubstr("vsecm-system/vsecm-root-key is the Safe's root key Secret"));
  Sentinel("DELETE", R"({"workloads":["k8s:vsecm-root-key"]})");  // nothing of it to delete
  EXPECT_EQ(kube_.Get("vsecm-system", "vsecm-root-key"), root) << "not byte for byte the same";
  for (const auto& r : kube_.Requests()) {
    EXPECT_THAT(r.path, Not(HasSubstr("/namespaces/vsecm-system/"))) << r.method << " " << r.path;
  }

  // And the Safe still starts on the same key.
  safe_.Kill(SIGKILL);
  ASSERT_TRUE(safe_.Start());
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  std::string billing = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/b-0", "billing");
  auto read = safe_.Call(billing, "GET", "/workload/v1/secrets");
  EXPECT_EQ(nlohmann::json::parse(read.body)["data"], "kept") << read.body;
}

TEST_F(SafeK8sE2eTest, NoK8sSecretIsWrittenInTheSystemNamespace) {
  HttpAnswer put = Sentinel("POST", R"({"workloads":["k8s:app-config"],
      "namespaces":["apps","vsecm-system"],"value":"v"})");
  EXPECT_NE(put.status, 200) << put.body;
  EXPECT_THAT(put.body, HasSubstr("vsecm-system/app-config: namespace vsecm-system is the Safe's own"));
  EXPECT_EQ(kube_.Names("vsecm-system"), std::vector<std::string>{"vsecm-root-key"});
  EXPECT_FALSE(kube_.Get("apps", "app-config").has_value()) << "refused, so written nowhere";
}

TEST_F(SafeK8sE2eTest, AForeignSecretIsNeitherUpdatedNorDeleted) {
  kube_.Seed("apps", Foreign("db-creds"));
  const auto before = kube_.Get("apps", "db-creds");
  HttpAnswer put = Sentinel("POST", R"({"workloads":["k8s:db-creds"],"namespaces":["apps"],
      "value":"overwritten"})");
  EXPECT_NE(put.status, 200) << put.body;
  EXPECT_THAT(put.body, HasSubstr("Kubernetes Secret apps/db-creds exists and is not managed by VSecM"));
  EXPECT_THAT(put.body, Not(HasSubstr("overwritten")));
  Sentinel("DELETE", R"({"workloads":["k8s:db-creds"]})");
  EXPECT_EQ(kube_.Get("apps", "db-creds"), before);

  // A Secret VSecM made, taken over by someone else since: deleting the VSecM secret leaves it
  // and says so.
  ASSERT_EQ(Sentinel("POST", R"({"workloads":["k8s:shared"],"namespaces":["apps","billing"],
      "value":"v"})").status, 200);
  kube_.Seed("apps", Foreign("shared"));
  const auto taken = kube_.Get("apps", "shared");
  HttpAnswer del = Sentinel("DELETE", R"({"workloads":["k8s:shared"]})");
  EXPECT_NE(del.status, 200) << del.body;
  EXPECT_THAT(del.body, HasSubstr("left in place: Kubernetes Secret apps/shared exists and is not "
                                  "managed by VSecM"));
  EXPECT_EQ(kube_.Get("apps", "shared"), taken);
  EXPECT_FALSE(kube_.Get("billing", "shared").has_value()) << "VSecM's own copy is deleted";
}

// The upsert checks every `k8s:` target before the registry stores anything: a refused target
// is a 400 that names the Secret, stores nothing and is in the audit journal.
TEST_F(SafeK8sE2eTest, ARefusedTargetIsA400ThatStoresNothingAndIsAudited) {
  kube_.Seed("apps", Foreign("db-creds"));
  const struct {
    const char* name;
    const char* body;
    const char* names;
  } cases[] = {
      {"a k8s: secret over the root key Secret",
       R"({"workloads":["k8s:vsecm-root-key"],"namespaces":["vsecm-system"],"value":"x"})",
       "vsecm-system/vsecm-root-key"},
      {"a k8s: secret over a Secret VSecM does not own",
       R"({"workloads":["k8s:db-creds"],"namespaces":["apps"],"value":"x"})", "apps/db-creds"},
      {"a k8s: secret in the Safe's own namespace",
       R"({"workloads":["k8s:app-config"],"namespaces":["vsecm-system"],"value":"x"})",
       "vsecm-system/app-config"},
  };
  for (const auto& c : cases) {
    HttpAnswer put = Sentinel("POST", c.body);
    EXPECT_EQ(put.status, 400) << c.names << ": " << put.body;
    EXPECT_THAT(put.body, HasSubstr(c.names));
    EXPECT_TRUE(AuditHas(safe_, c.names)) << "no audit entry names " << c.names;
    auto err = nlohmann::json::parse(put.body, nullptr, false);
    PrintMatrixRow(c.name, "POST /sentinel/v1/secrets", std::to_string(put.status),
                   err.is_object() && err.contains("err") ? err["err"].get<std::string>() : put.body);
  }
  HttpAnswer list = Sentinel("GET", "");
  ASSERT_EQ(list.status, 200) << list.body;
  for (const char* name : {"k8s:vsecm-root-key", "k8s:db-creds", "k8s:app-config"}) {
    EXPECT_THAT(list.body, Not(HasSubstr(name))) << "a refused secret was stored";
  }
}

}  // namespace
}  // namespace vsecm::testing
