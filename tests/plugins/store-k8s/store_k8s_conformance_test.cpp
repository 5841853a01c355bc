// The SDK's store conformance suite, run against vsecm-store-k8s and a fresh fake API server
// per test case.
#include <memory>

#include "fake_kube_api.hpp"
#include "k8s_test_util.hpp"
#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;

// One test's medium: its own API server (which outlives instance reopens) and kubeconfig.
class FakeClusterSandbox : public t::StoreSandbox {
 public:
  FakeClusterSandbox() {
    vsecm::testing::WriteFile(dir_ / "token", "fake-token\n");
    vsecm::testing::WriteFile(dir_ / "kubeconfig", fake_.Kubeconfig("", dir_ / "token"));
  }
  t::Settings settings() const override {
    return {{"kubeconfig", dir_ / "kubeconfig"},
            {"namespace", "vsecm-system"},
            {"retry_initial_backoff_ms", "1"},
            {"retry_max_backoff_ms", "5"}};
  }
  vsecm::Status LeaveUnpublishedWrite(std::string_view, std::span<const uint8_t>) override {
    return vsecm::Status(vsecm::StatusCode::kUnimplemented,
                         "the API server replaces a Secret atomically (etcd): a put is either "
                         "acknowledged and complete or did not happen; there is no window");
  }

 private:
  vsecm::testing::FakeKubeApi fake_;
  vsecm::testing::TempDir dir_;
};

VSECM_STORE_CONFORMANCE_SUITE(StoreK8s, [] {
  t::StoreConformanceOptions o;
  o.label = "store_k8s";
  o.plugin_path = VSECM_TEST_PLUGIN_DIR "/vsecm-store-k8s.so";
  o.make_sandbox = [] { return std::make_unique<FakeClusterSandbox>(); };
  // A Kubernetes Secret holds at most 1 MiB of data: the plugin refuses larger records with
  // RESOURCE_EXHAUSTED (tested in store_k8s_plugin_test), so the large case uses 1000 KiB.
  o.large_value_bytes = 1000 * 1024;
  return o;
});

}  // namespace
