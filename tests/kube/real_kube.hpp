// The real Kubernetes API server the kube tests run against: started once per ctest run by
// tests/kube/kube_cluster.sh (a ctest fixture), found through VSECM_KUBE_CLUSTER_DIR, and driven
// with the kubectl built beside it. Each test works in namespaces of its own, with
// ServiceAccounts whose tokens come from the TokenRequest API (`kubectl create token`), bound to
// Roles like the chart's (deploy/helm/vsecm/templates/safe-rbac.yaml).
#ifndef VSECM_TESTS_KUBE_REAL_KUBE_HPP_
#define VSECM_TESTS_KUBE_REAL_KUBE_HPP_

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace vsecm::kube {

struct Run {
  int exit_code = -1;
  std::string out;  // stdout and stderr
};

inline Run RunShell(const std::string& command) {
  Run r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// A name no other test (or earlier run on the same cluster) has used: DNS-1123, short.
inline std::string UniqueName(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return prefix + "-" + std::to_string(::getpid() % 100000) + "-" + std::to_string(salt) + "-" +
         std::to_string(counter++);
}

class RealKube {
 public:
  // The cluster of this ctest run, or nullopt with `why` set (the test should skip).
  static const RealKube* Get(std::string* why) {
    static const std::optional<RealKube> cluster = Load();
    static const std::string reason = why_;
    if (!cluster) *why = reason;
    return cluster ? &*cluster : nullptr;
  }

  std::string bin;       // kube-apiserver, kubectl, etcd
  std::string server;    // https://127.0.0.1:PORT
  std::string ca;        // the CA file that signed the serving certificate
  std::string admin;     // the admin kubeconfig (CN=admin, O=system:masters)
  std::string dir;       // the cluster folder (logs)

  // kubectl as the admin; `input` (YAML or JSON) is given as -f of a temporary file.
  Run Kubectl(const std::string& args, const std::string& input = "") const {
    std::string command = bin + "/kubectl --kubeconfig " + ShellQuote(admin) + " --request-timeout=60s " + args;
    std::string file;
    if (!input.empty()) {
      file = (std::filesystem::temp_directory_path() / UniqueName("vsecm-kubectl")).string() + ".yaml";
      std::ofstream(file) << input;
      command += " -f " + ShellQuote(file);
    }
    Run r = RunShell(command);
    if (!file.empty()) std::filesystem::remove(file);
    return r;
  }
  // Like Kubectl, but fails the test when kubectl fails.
  std::string MustKubectl(const std::string& args, const std::string& input = "") const {
    Run r = Kubectl(args, input);
    EXPECT_EQ(r.exit_code, 0) << "kubectl " << args << ":\n" << r.out;
    return r.out;
  }

  // An object as JSON, or nullopt when it does not exist.
  std::optional<nlohmann::json> GetJson(const std::string& kind, const std::string& ns,
                                        const std::string& name) const {
    Run r = Kubectl("get " + kind + " " + ShellQuote(name) + " -n " + ShellQuote(ns) + " -o json");
    if (r.exit_code != 0) return std::nullopt;
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    if (j.is_discarded()) return std::nullopt;
    return j;
  }
  std::optional<nlohmann::json> GetSecret(const std::string& ns, const std::string& name) const {
    return GetJson("secret", ns, name);
  }
  std::vector<std::string> SecretNames(const std::string& ns) const {
    Run r = Kubectl("get secrets -n " + ShellQuote(ns) + " -o jsonpath='{.items[*].metadata.name}'");
    std::vector<std::string> names;
    std::istringstream in(r.out);
    for (std::string n; in >> n;) names.push_back(n);
    return names;
  }

  void CreateNamespace(const std::string& ns) const {
    MustKubectl("apply --server-side --field-manager=vsecm-test",
                "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + ns + "\n");
  }
  void CreateServiceAccount(const std::string& ns, const std::string& name) const {
    MustKubectl("apply --server-side --field-manager=vsecm-test",
                "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: " + name +
                    "\n  namespace: " + ns + "\n");
  }
  // A Role named `role` in `ns` on Secrets with `verbs` (optionally only `resource_name`),
  // bound to ServiceAccount sa_ns/sa. Applying again replaces the rules.
  void GrantSecrets(const std::string& ns, const std::string& role,
                    const std::vector<std::string>& verbs, const std::string& sa_ns,
                    const std::string& sa, const std::string& resource_name = "") const {
    std::string v;
    for (const auto& verb : verbs) v += (v.empty() ? "" : ", ") + ("\"" + verb + "\"");
    std::string rules = "rules:\n- apiGroups: [\"\"]\n  resources: [\"secrets\"]\n";
    if (!resource_name.empty()) rules += "  resourceNames: [\"" + resource_name + "\"]\n";
    rules += "  verbs: [" + v + "]\n";
    MustKubectl("apply --server-side --force-conflicts --field-manager=vsecm-test",
                "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: " + role +
                    "\n  namespace: " + ns + "\n" + rules +
                    "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n"
                    "metadata:\n  name: " + role + "\n  namespace: " + ns +
                    "\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: " +
                    role + "\nsubjects:\n- kind: ServiceAccount\n  name: " + sa +
                    "\n  namespace: " + sa_ns + "\n");
  }
  // Waits until RBAC lets sa_ns/sa do `verb` on secrets in `ns` (the authorizer's cache follows
  // a Role change within moments; `kubectl auth can-i --as` asks the same authorizer).
  bool WaitCan(bool want, const std::string& verb, const std::string& ns, const std::string& sa_ns,
               const std::string& sa, const std::string& name = "") const {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    do {
      Run r = Kubectl("auth can-i " + verb + " secrets" + (name.empty() ? "" : "/" + name) +
                      " -n " + ns + " --as system:serviceaccount:" + sa_ns + ":" + sa);
      if ((r.out.rfind("yes", 0) == 0) == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }

  // A Helm binary: $VSECM_HELM, else the one scripts/peers/helm.sh built (any helm-* in the peer
  // cache), else helm on PATH; "" when there is none.
  static std::string Helm() {
    if (const char* h = std::getenv("VSECM_HELM"); h != nullptr && *h != '\0') return h;
    const char* c = std::getenv("VSECM_PEER_CACHE");
    const std::filesystem::path cache = c != nullptr && *c != '\0' ? c : "/var/cache/vsecm-peers";
    std::error_code ec;
    std::string found;
    for (const auto& e : std::filesystem::directory_iterator(cache, ec)) {
      const auto candidate = e.path() / "bin" / "helm";
      if (e.path().filename().string().rfind("helm-", 0) == 0 &&
          std::filesystem::exists(e.path() / ".built") && std::filesystem::exists(candidate)) {
        found = candidate.string();
      }
    }
    if (!found.empty()) return found;
    Run which = RunShell("command -v helm");
    if (which.exit_code == 0) {
      while (!which.out.empty() && which.out.back() == '\n') which.out.pop_back();
      return which.out;
    }
    return "";
  }
  // `helm template` of deploy/helm/vsecm in `ns` with `args` (--set ..., --show-only ...).
  static Run HelmTemplate(const std::string& ns, const std::string& args) {
    return RunShell(ShellQuote(Helm()) + " template vsecm " +
                    ShellQuote(std::string(VSECM_SOURCE_DIR) + "/deploy/helm/vsecm") +
                    " --namespace " + ShellQuote(ns) + " --kube-version v1.37.2 " + args);
  }

  // A kubeconfig in `dir` for ServiceAccount ns/sa, with a token the TokenRequest API issued
  // (kubectl create token: POST .../serviceaccounts/SA/token), kept in a token file.
  std::string ServiceAccountKubeconfig(const std::string& dir, const std::string& ns,
                                       const std::string& sa) const {
    Run token = Kubectl("create token " + sa + " -n " + ns + " --duration=2h");
    EXPECT_EQ(token.exit_code, 0) << token.out;
    std::string t = token.out;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
    // Written aside and renamed over the old file, as the kubelet rotates a projected token.
    const std::string token_file = dir + "/" + sa + ".token";
    {
      std::ofstream(token_file + ".new") << t << "\n";
    }
    std::filesystem::permissions(token_file + ".new", std::filesystem::perms::owner_read |
                                                          std::filesystem::perms::owner_write);
    std::filesystem::rename(token_file + ".new", token_file);
    const std::string path = dir + "/" + sa + ".kubeconfig";
    std::ofstream(path) << "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n"
                        << "    server: " << server << "\n    certificate-authority: " << ca
                        << "\nusers:\n- name: " << sa << "\n  user:\n    tokenFile: " << token_file
                        << "\ncontexts:\n- name: test\n  context: {cluster: test, user: " << sa
                        << "}\ncurrent-context: test\n";
    return path;
  }

 private:
  static inline std::string why_;
  static std::optional<RealKube> Load() {
    const char* d = std::getenv("VSECM_KUBE_CLUSTER_DIR");
    if (d == nullptr || *d == '\0') {
      why_ = "VSECM_KUBE_CLUSTER_DIR is not set: run through ctest (-L kube), whose fixture "
             "kube_cluster_up starts the cluster, or tests/kube/kube_cluster.sh up DIR";
      return std::nullopt;
    }
    const std::string dir = d;
    if (std::ifstream skip(dir + "/skip"); skip) {
      std::stringstream s;
      s << skip.rdbuf();
      why_ = s.str();
      return std::nullopt;
    }
    std::ifstream env(dir + "/cluster.env");
    if (!env) {
      why_ = dir + "/cluster.env is missing: the cluster did not start (see kube_cluster_up)";
      return std::nullopt;
    }
    RealKube k;
    k.dir = dir;
    for (std::string line; std::getline(env, line);) {
      const size_t eq = line.find('=');
      if (eq == std::string::npos) continue;
      const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
      if (key == "VSECM_KUBE_BIN") k.bin = value;
      if (key == "VSECM_KUBE_SERVER") k.server = value;
      if (key == "VSECM_KUBE_CA") k.ca = value;
      if (key == "VSECM_KUBE_ADMIN_KUBECONFIG") k.admin = value;
    }
    return k;
  }
};

// The cluster, or GTEST_SKIP from the calling test (a macro, since GTEST_SKIP returns).
#define VSECM_REQUIRE_KUBE(var)                                     \
  std::string vsecm_kube_why_;                                      \
  const ::vsecm::kube::RealKube* var = ::vsecm::kube::RealKube::Get(&vsecm_kube_why_); \
  if (var == nullptr) GTEST_SKIP() << vsecm_kube_why_

}  // namespace vsecm::kube



namespace vsecm::kube {

// Skips every test of the binary when there is no cluster (register with
// ::testing::AddGlobalTestEnvironment, e.g. from a static initializer).
class RequireKubeEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string why;
    if (RealKube::Get(&why) == nullptr) GTEST_SKIP() << why;
  }
};

}  // namespace vsecm::kube
#endif  // VSECM_TESTS_KUBE_REAL_KUBE_HPP_
