// The SDK's store conformance kit, run against vsecm-store-k8s and the real kube-apiserver (with
// etcd) that tests/kube/kube_cluster.sh starts: the same kit tests/plugins/store-k8s runs against
// the fake. Each test case gets a namespace of its own and a ServiceAccount there, bound to the
// chart's vsecm-safe-store Role (get, list, watch, create, update, patch, delete on Secrets);
// the plugin authenticates with a token the TokenRequest API issued for it.
#include <memory>

#include "real_kube.hpp"
#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;
using vsecm::kube::RealKube;

const auto* const kRequireKube =
    ::testing::AddGlobalTestEnvironment(new vsecm::kube::RequireKubeEnvironment);

// How the plugin authenticates: a TokenRequest token of a ServiceAccount bound to the chart's
// store Role, or the admin's client certificate (CN=admin, O=system:masters).
enum class Auth { kServiceAccountToken, kAdminCertificate };

class RealClusterSandbox : public t::StoreSandbox {
 public:
  explicit RealClusterSandbox(Auth auth) : dir_(MakeDir()), ns_(vsecm::kube::UniqueName("conf")) {
    std::string why;
    kube_ = RealKube::Get(&why);
    if (kube_ == nullptr) return;  // the environment skips the test
    kube_->CreateNamespace(ns_);
    kube_->CreateServiceAccount(ns_, "vsecm-safe");
    kube_->GrantSecrets(ns_, "vsecm-safe-store",
                        {"get", "list", "watch", "create", "update", "patch", "delete"}, ns_,
                        "vsecm-safe");
    EXPECT_TRUE(kube_->WaitCan(true, "list", ns_, ns_, "vsecm-safe"));
    kubeconfig_ = auth == Auth::kAdminCertificate
                      ? kube_->admin
                      : kube_->ServiceAccountKubeconfig(dir_, ns_, "vsecm-safe");
  }
  ~RealClusterSandbox() override {
    // No namespace controller runs, so deleting the namespace would not delete its Secrets.
    if (kube_ != nullptr) kube_->Kubectl("delete secrets --all -n " + ns_ + " --wait=false");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  t::Settings settings() const override {
    return {{"kubeconfig", kubeconfig_},
            {"namespace", ns_},
            {"retry_initial_backoff_ms", "5"},
            {"retry_max_backoff_ms", "200"}};
  }
  vsecm::Status LeaveUnpublishedWrite(std::string_view, std::span<const uint8_t>) override {
    return vsecm::Status(vsecm::StatusCode::kUnimplemented,
                         "the API server replaces a Secret atomically (etcd): a put is either "
                         "acknowledged and complete or did not happen; there is no window");
  }

 private:
  static std::string MakeDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vsecm-kube-conf-XXXXXX").string();
    return ::mkdtemp(tmpl.data()) ? tmpl : std::string("/tmp");
  }
  std::string dir_, ns_, kubeconfig_;
  const RealKube* kube_ = nullptr;
};

VSECM_STORE_CONFORMANCE_SUITE(RealKubeStoreK8s, [] {
  t::StoreConformanceOptions o;
  o.label = "real_kube_store_k8s";
  o.plugin_path = VSECM_TEST_PLUGIN_DIR "/vsecm-store-k8s.so";
  o.make_sandbox = [] { return std::make_unique<RealClusterSandbox>(Auth::kServiceAccountToken); };
  // etcd's default request limit (1.5 MiB) and the Secret data limit (1 MiB): as against the fake.
  o.large_value_bytes = 1000 * 1024;
  return o;
});

VSECM_STORE_CONFORMANCE_SUITE(RealKubeStoreK8sAdminCert, [] {
  t::StoreConformanceOptions o;
  o.label = "real_kube_store_k8s_admin_cert";
  o.plugin_path = VSECM_TEST_PLUGIN_DIR "/vsecm-store-k8s.so";
  o.make_sandbox = [] { return std::make_unique<RealClusterSandbox>(Auth::kAdminCertificate); };
  o.large_value_bytes = 1000 * 1024;
  return o;
});

}  // namespace
