// The Safe as a process (`vsecm-safe dev`, VSECM_SAFE_KUBERNETES=true) against the real
// kube-apiserver: the same ground tests/safe/safe_k8s_e2e_test.cpp covers against the fake, with
// the chart's RBAC (deploy/helm/vsecm/templates/safe-rbac.yaml) and a ServiceAccount token from
// the TokenRequest API. Each test has its own system namespace (VSECM_NAMESPACE_SYSTEM) and
// workload namespaces, so tests never share a root key Secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "dev_safe.hpp"
#include "real_kube.hpp"

namespace vsecm::testing {
namespace {

using ::testing::HasSubstr;
using vsecm::kube::RealKube;

std::string Base64(std::string_view text) {
  std::string out(4 * ((text.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

const std::vector<std::string> kK8sSecretVerbs = {"get", "create", "update", "delete"};

class KubeSafeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    kube_ = RealKube::Get(&why);
    if (kube_ == nullptr) GTEST_SKIP() << why;
    sys_ = vsecm::kube::UniqueName("vsecm-system");
    apps_ = vsecm::kube::UniqueName("apps");
    billing_ = vsecm::kube::UniqueName("billing");
    for (const auto& ns : {sys_, apps_, billing_}) kube_->CreateNamespace(ns);
    // The chart's objects: the ServiceAccount, the root key Role (get and update of that one
    // Secret), the k8s: secrets Role in each workload namespace, rendered by the real Helm from
    // the chart itself (templates/safe-rbac.yaml).
    ASSERT_FALSE(RealKube::Helm().empty())
        << "no helm binary: build it with scripts/peers/helm.sh (scripts/setup.sh does)";
    vsecm::kube::Run rbac = RealKube::HelmTemplate(
        sys_, "--set 'safe.k8sSecretNamespaces={" + apps_ + "," + billing_ +
                  "}' --show-only templates/safe-rbac.yaml");
    ASSERT_EQ(rbac.exit_code, 0) << rbac.out;
    ASSERT_THAT(rbac.out, HasSubstr("name: vsecm-safe-k8s-secrets"));
    kube_->MustKubectl("apply --server-side --field-manager=vsecm-test", rbac.out);
    rbac_from_ = "the chart, rendered by " + RealKube::Helm();
    RecordProperty("rbac", rbac_from_);
    static const bool said = (std::printf("[ kube     ] RBAC: %s\n", rbac_from_.c_str()), true);
    (void)said;
    ASSERT_TRUE(kube_->WaitCan(true, "update", sys_, sys_, "vsecm-safe", "vsecm-root-key"));
    ASSERT_TRUE(kube_->WaitCan(true, "create", billing_, sys_, "vsecm-safe"));
    kubeconfig_ = kube_->ServiceAccountKubeconfig(dir_.path(), sys_, "vsecm-safe");
  }
  void TearDown() override {
    if (kube_ == nullptr) return;
    for (const auto& ns : {sys_, apps_, billing_}) {
      kube_->Kubectl("delete secrets --all -n " + ns + " --wait=false");
    }
  }

  // The chart's pre-install hook: the root key Secret, empty.
  void CreateEmptyRootKeySecret() {
    vsecm::kube::Run secret =
        RealKube::HelmTemplate(sys_, "--show-only templates/safe-root-key-secret.yaml");
    ASSERT_EQ(secret.exit_code, 0) << secret.out;
    kube_->MustKubectl("create", secret.out);
  }
  std::string RootKey() {
    auto s = kube_->GetSecret(sys_, "vsecm-root-key");
    if (!s || !(*s).contains("data") || !(*s)["data"].contains("KEY_TXT")) return "";
    return (*s)["data"]["KEY_TXT"].get<std::string>();
  }

  std::unique_ptr<DevSafe> NewSafe() {
    auto safe = std::make_unique<DevSafe>();
    safe->SetEnv("VSECM_SAFE_KUBERNETES", "true");
    safe->SetEnv("KUBECONFIG", kubeconfig_);
    safe->SetEnv("VSECM_NAMESPACE_SYSTEM", sys_);
    return safe;
  }
  static HttpAnswer Sentinel(DevSafe& safe, const std::string& method, const std::string& body) {
    return safe.Call(safe.Sentinel(), method, "/sentinel/v1/secrets", body);
  }
  static std::string WorkloadRead(DevSafe& safe, const std::string& name) {
    const std::string svid = safe.IssueSvid(
        "spiffe://vsecm.com/workload/" + name + "/ns/default/sa/" + name + "/n/" + name + "-0", name);
    auto read = safe.Call(svid, "GET", "/workload/v1/secrets");
    auto j = nlohmann::json::parse(read.body, nullptr, false);
    return j.is_object() && j.contains("data") && j["data"].is_string() ? j["data"].get<std::string>()
                                                                         : "status " + std::to_string(read.status) + ": " + read.body;
  }

  const RealKube* kube_ = nullptr;
  std::string sys_, apps_, billing_, kubeconfig_, rbac_from_;
  TempDir dir_;
};

// The chart creates the Secret empty; the Safe fills it (update at the version it read) and reads
// it back after a kill -9.
TEST_F(KubeSafeE2eTest, TheSafeFillsTheChartsEmptyRootKeySecretAndUsesItAfterARestart) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto safe = NewSafe();
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  const std::string key = RootKey();
  EXPECT_FALSE(key.empty()) << "KEY_TXT was not filled";
  EXPECT_FALSE(std::filesystem::exists(safe->dir() / "key.txt")) << "never written to disk";
  ASSERT_EQ(Sentinel(*safe, "POST", R"({"workloads":["billing"],"value":"kept"})").status, 200);

  safe->Kill(SIGKILL);
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  EXPECT_EQ(RootKey(), key) << "a present key is used, never replaced";
  EXPECT_EQ(WorkloadRead(*safe, "billing"), "kept");
}

// No Secret at all: with the chart's RBAC (no create) the Safe says which verb it lacks; with
// create granted it creates the Secret.
TEST_F(KubeSafeE2eTest, AnAbsentRootKeySecretIsCreatedWhenRbacAllowsAndNamedWhenNot) {
  {
    auto safe = NewSafe();
    ASSERT_TRUE(safe->Start()) << safe->Log();  // it listens, and stays unready
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (safe->Log().find("cannot obtain the root key") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    const std::string log = safe->Log();
    EXPECT_THAT(log, HasSubstr("cannot obtain the root key")) << log;
    EXPECT_THAT(log, HasSubstr("RBAC must allow verb \"create\" on resource \"secrets\" in "
                               "namespace " + sys_)) << log;
    EXPECT_NE(safe->Plain(safe->endpoints()["readiness"]).status, 200) << "ready without a key";
    safe->Kill(SIGKILL);
    EXPECT_EQ(kube_->GetSecret(sys_, "vsecm-root-key"), std::nullopt);
  }
  kube_->GrantSecrets(sys_, "vsecm-safe-root-key-create", {"create"}, sys_, "vsecm-safe");
  ASSERT_TRUE(kube_->WaitCan(true, "create", sys_, sys_, "vsecm-safe"));
  auto safe = NewSafe();
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  auto secret = kube_->GetSecret(sys_, "vsecm-root-key");
  ASSERT_TRUE(secret.has_value());
  EXPECT_FALSE(RootKey().empty());
  EXPECT_EQ((*secret)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");
}

// Two Safes start at once on the same empty Secret: one key ends in it, and both use that key
// (each reads back, after a kill -9, what it stored before).
TEST_F(KubeSafeE2eTest, TwoSafesStartingAtOnceEndWithOneKey) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto a = NewSafe(), b = NewSafe();
  bool a_ok = false, b_ok = false;
  std::thread ta([&] { a_ok = a->Start() && a->WaitReady(); });
  std::thread tb([&] { b_ok = b->Start() && b->WaitReady(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a_ok) << a->Log();
  ASSERT_TRUE(b_ok) << b->Log();
  const std::string key = RootKey();
  ASSERT_FALSE(key.empty());
  auto count = [&](const std::string& what) {
    return static_cast<int>(a->Log().find(what) != std::string::npos) +
           static_cast<int>(b->Log().find(what) != std::string::npos);
  };
  // Both may find the Secret empty and generate a key; only one update (at the version read)
  // succeeds, and the other Safe, meeting the conflict, reads the winner's key.
  std::printf("[ kube     ] %d of 2 Safes generated a key, %d found another Safe's key first\n",
              count("generating one and storing it there"), count("another Safe stored a root key"));
  EXPECT_EQ(count("generating one and storing it there") - count("another Safe stored a root key"), 1);
  ASSERT_EQ(Sentinel(*a, "POST", R"({"workloads":["alpha"],"value":"from a"})").status, 200);
  ASSERT_EQ(Sentinel(*b, "POST", R"({"workloads":["beta"],"value":"from b"})").status, 200);
  a->Kill(SIGKILL);
  b->Kill(SIGKILL);
  for (DevSafe* s : {a.get(), b.get()}) {
    ASSERT_TRUE(s->Start()) << s->Log();
    ASSERT_TRUE(s->WaitReady()) << s->Log();
  }
  EXPECT_EQ(WorkloadRead(*a, "alpha"), "from a") << a->Log();
  EXPECT_EQ(WorkloadRead(*b, "beta"), "from b") << b->Log();
  EXPECT_EQ(RootKey(), key);
}

TEST_F(KubeSafeE2eTest, K8sSecretsAreCreatedUpdatedAndDeletedInWorkloadNamespaces) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto safe = NewSafe();
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  const std::string nss = "[\"" + apps_ + "\",\"" + billing_ + "\"]";
  HttpAnswer put = Sentinel(*safe, "POST", R"({"workloads":["k8s:db-creds"],"namespaces":)" + nss +
                                               R"(,"value":"{\"user\":\"admin\",\"pass\":\"p@ss\"}"})");
  ASSERT_EQ(put.status, 200) << put.body << safe->Log();
  for (const auto& ns : {apps_, billing_}) {
    auto secret = kube_->GetSecret(ns, "db-creds");
    ASSERT_TRUE(secret.has_value()) << ns;
    EXPECT_EQ((*secret)["data"]["user"], Base64("admin"));
    EXPECT_EQ((*secret)["data"]["pass"], Base64("p@ss"));
    EXPECT_EQ((*secret)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");
    EXPECT_EQ((*secret)["metadata"]["annotations"]["vsecm.com/secret-name"], "k8s:db-creds");
  }
  const std::string rv = (*kube_->GetSecret(apps_, "db-creds"))["metadata"]["resourceVersion"];

  ASSERT_EQ(Sentinel(*safe, "POST", R"({"workloads":["k8s:db-creds"],"namespaces":)" + nss +
                                        R"(,"value":"{\"user\":\"admin\",\"pass\":\"rotated\"}"})")
                .status,
            200);
  auto updated = kube_->GetSecret(apps_, "db-creds");
  EXPECT_EQ((*updated)["data"]["pass"], Base64("rotated"));
  EXPECT_NE((*updated)["metadata"]["resourceVersion"], rv) << "an update, at a new version";

  HttpAnswer del = Sentinel(*safe, "DELETE", R"({"workloads":["k8s:db-creds"]})");
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_EQ(kube_->GetSecret(apps_, "db-creds"), std::nullopt);
  EXPECT_EQ(kube_->GetSecret(billing_, "db-creds"), std::nullopt);
}

// Two Safes (one ServiceAccount) and an operator's kubectl write the same Secret at once: the
// Safe writes at the version it read, meets the API server's 409 conflicts, reads again and
// retries; every write is answered, and the Secret ends holding one writer's whole last value.
TEST_F(KubeSafeE2eTest, ConcurrentWritersMeetResourceVersionConflictsAndEndConsistent) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto a = NewSafe(), b = NewSafe();
  ASSERT_TRUE(a->Start() && a->WaitReady()) << a->Log();
  ASSERT_TRUE(b->Start() && b->WaitReady()) << b->Log();
  // The API server counts the 409s it answers (all namespaces: other tests may add some).
  auto conflicts = [&] {
    long total = 0;
    std::istringstream metrics(kube_->Kubectl("get --raw /metrics").out);
    for (std::string line; std::getline(metrics, line);) {
      if (line.rfind("apiserver_request_total{", 0) == 0 && line.find("code=\"409\"") != std::string::npos &&
          line.find("resource=\"secrets\"") != std::string::npos &&
          line.find("verb=\"PUT\"") != std::string::npos) {
        total += std::stol(line.substr(line.rfind(' ') + 1));
      }
    }
    return total;
  };
  const long conflicts_before = conflicts();
  constexpr int kRounds = 12;
  std::vector<int> statuses_a, statuses_b;
  auto writer = [&](DevSafe& s, const std::string& who, std::vector<int>& statuses) {
    for (int i = 0; i < kRounds; ++i) {
      HttpAnswer put = Sentinel(s, "POST", R"({"workloads":["k8s:shared"],"namespaces":[")" + apps_ +
                                               R"("],"value":"{\"who\":\")" + who + R"(\",\"n\":\")" +
                                               std::to_string(i) + R"(\"}"})");
      statuses.push_back(put.status);
      if (put.status != 200) ADD_FAILURE() << who << " round " << i << ": " << put.body;
    }
  };
  // Rounds of concurrent writes until the API server has answered at least one of them with a
  // 409 (almost always in the first; bounded, so no test waits on timing).
  int kubectl_writes = 0;
  for (int batch = 0; batch < 5 && (batch == 0 || conflicts() == conflicts_before); ++batch) {
    std::atomic<bool> stop{false};
    std::thread noise([&] {  // an operator's label edits: each bumps the resourceVersion
      while (!stop) {
        if (kube_->Kubectl("label secret shared -n " + apps_ + " --overwrite touched=" +
                           std::to_string(kubectl_writes)).exit_code == 0) {
          ++kubectl_writes;
        }
      }
    });
    std::thread ta([&] { writer(*a, "a", statuses_a); });
    std::thread tb([&] { writer(*b, "b", statuses_b); });
    ta.join();
    tb.join();
    stop = true;
    noise.join();
  }
  auto secret = kube_->GetSecret(apps_, "shared");
  ASSERT_TRUE(secret.has_value());
  const std::string who = (*secret)["data"]["who"], n = (*secret)["data"]["n"];
  EXPECT_TRUE(who == Base64("a") || who == Base64("b")) << secret->dump();
  EXPECT_EQ(n, Base64(std::to_string(kRounds - 1))) << "the last write of " << who << " wins";
  EXPECT_EQ((*secret)["metadata"]["annotations"]["vsecm.com/secret-name"], "k8s:shared");
  const long met = conflicts() - conflicts_before;
  std::printf("[ kube     ] %d label edits by kubectl during %d Safe writes; the API server "
              "answered %ld PUTs of Secrets with 409 Conflict meanwhile\n",
              kubectl_writes, static_cast<int>(statuses_a.size() + statuses_b.size()), met);
  EXPECT_GT(met, 0) << "no write met a conflict in 5 rounds";
}

// A verb taken out of the chart's Role: the write fails, and the error names the verb, the
// resource and the namespace.
TEST_F(KubeSafeE2eTest, AVerbRemovedFromTheRoleGivesAnErrorThatNamesIt) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto safe = NewSafe();
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  const std::string body = R"({"workloads":["k8s:app-config"],"namespaces":[")" + apps_ +
                           R"("],"value":"v1"})";
  ASSERT_EQ(Sentinel(*safe, "POST", body).status, 200);

  struct Case {
    std::string verb, request;
  };
  for (const Case& c : {Case{"update", body}, Case{"delete", R"({"workloads":["k8s:app-config"]})"}}) {
    std::vector<std::string> verbs;
    for (const auto& v : kK8sSecretVerbs) {
      if (v != c.verb) verbs.push_back(v);
    }
    kube_->GrantSecrets(apps_, "vsecm-safe-k8s-secrets", verbs, sys_, "vsecm-safe");
    ASSERT_TRUE(kube_->WaitCan(false, c.verb, apps_, sys_, "vsecm-safe"));
    HttpAnswer answer = Sentinel(*safe, c.request.find("value") != std::string::npos ? "POST" : "DELETE",
                                 c.request);
    EXPECT_NE(answer.status, 200) << c.verb << ": " << answer.body;
    EXPECT_THAT(answer.body, HasSubstr("verb \\\"" + c.verb + "\\\"")) << answer.body;
    EXPECT_THAT(answer.body, HasSubstr(apps_)) << answer.body;
    PrintMatrixRow("the Role lacks " + c.verb + " (real API server)", "Sentinel " + c.verb,
                   std::to_string(answer.status), answer.body);
    kube_->GrantSecrets(apps_, "vsecm-safe-k8s-secrets", kK8sSecretVerbs, sys_, "vsecm-safe");
    ASSERT_TRUE(kube_->WaitCan(true, c.verb, apps_, sys_, "vsecm-safe"));
  }
}

// What VSecM does not own it leaves alone, on the real API server too: a Secret someone else
// made in a workload namespace, and the Safe's own root key Secret.
TEST_F(KubeSafeE2eTest, ForeignSecretsAndTheRootKeySecretAreNeitherOverwrittenNorDeleted) {
  ASSERT_NO_FATAL_FAILURE(CreateEmptyRootKeySecret());
  auto safe = NewSafe();
  ASSERT_TRUE(safe->Start()) << safe->Log();
  ASSERT_TRUE(safe->WaitReady()) << safe->Log();
  kube_->MustKubectl("create secret generic db-creds -n " + apps_ +
                     " --from-literal=password=hands-off");
  kube_->MustKubectl("label secret db-creds -n " + apps_ + " app=billing");
  const auto before = kube_->GetSecret(apps_, "db-creds");
  ASSERT_TRUE(before.has_value());

  HttpAnswer put = Sentinel(*safe, "POST", R"({"workloads":["k8s:db-creds"],"namespaces":[")" +
                                               apps_ + R"("],"value":"overwritten"})");
  EXPECT_NE(put.status, 200) << put.body;
  EXPECT_THAT(put.body, HasSubstr("Kubernetes Secret " + apps_ +
                                  "/db-creds exists and is not managed by VSecM"));
  Sentinel(*safe, "DELETE", R"({"workloads":["k8s:db-creds"]})");
  const auto after = kube_->GetSecret(apps_, "db-creds");
  ASSERT_TRUE(after.has_value()) << "deleted";
  EXPECT_EQ((*after)["metadata"]["resourceVersion"], (*before)["metadata"]["resourceVersion"]);
  EXPECT_EQ((*after)["data"], (*before)["data"]);

  const auto root = kube_->GetSecret(sys_, "vsecm-root-key");
  ASSERT_TRUE(root.has_value());
  HttpAnswer over = Sentinel(*safe, "POST", R"({"workloads":["k8s:vsecm-root-key"],"namespaces":[")" +
                                                sys_ + R"("],"value":"x"})");
  EXPECT_NE(over.status, 200) << over.body;
  EXPECT_THAT(over.body, HasSubstr(sys_ + "/vsecm-root-key"));
  const auto root_after = kube_->GetSecret(sys_, "vsecm-root-key");
  ASSERT_TRUE(root_after.has_value());
  EXPECT_EQ((*root_after)["metadata"]["resourceVersion"], (*root)["metadata"]["resourceVersion"]);
}

}  // namespace
}  // namespace vsecm::testing
