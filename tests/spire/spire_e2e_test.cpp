// The local end-to-end flow with every identity from a real SPIRE agent's Workload API: the
// Safe (`vsecm-safe serve`), Sentinel, an init container, sidecars and workloads, each attested
// by the `unix` plugin from its binary's path (Sentinel by its hash). Sentinel registers the
// secrets, the init container returns, the sidecars write their files, and each workload reads
// only its own secret.
#include <filesystem>
#include <string>

#include "spire_fixture.hpp"

namespace vsecm::testing {
namespace {

class SpireE2eTest : public SpireTest {};

TEST_F(SpireE2eTest, SentinelInitContainerSidecarAndWorkloadsOverTheWorkloadApi) {
  RegisterSafeAndSentinel();
  // Two workloads, each with its own copies of the binaries: the path is what tells them apart.
  struct Pod {
    std::string name, init, sidecar, workload;
  };
  std::vector<Pod> pods;
  for (const std::string name : {"orders", "billing"}) {
    Pod pod{name, CopyBinary("vsecm-init-container", name),
            CopyBinary("vsecm-sidecar", name), CopyBinary("vsecm-example-workload", name)};
    ASSERT_TRUE(Register(WorkloadId(name, "init"), {PathSelector(pod.init)}));
    ASSERT_TRUE(Register(WorkloadId(name, "sidecar"), {PathSelector(pod.sidecar)}));
    ASSERT_TRUE(Register(WorkloadId(name, "app"), {PathSelector(pod.workload)}));
    pods.push_back(pod);
  }
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe());
  // The Safe's SVID is SPIRE's, from the Workload API.
  EXPECT_GE(safe().Count("SVID " + SafeId() + " \\(generation 1, .*from workload api at " +
                         WorkloadSocket()),
            1u)
      << safe().Log();

  // The init container waits: there is no secret yet.
  ChildProcess init;
  ASSERT_TRUE(StartClient(init, pods[0].init, {}, {{"VSECM_INIT_CONTAINER_POLL_INTERVAL", "100"}},
                          "init-orders"));
  ASSERT_TRUE(Eventually([&] {
    return init.Count("waiting because the Safe has no secret for this workload yet") >= 1;
  })) << init.Log();
  EXPECT_TRUE(init.Running());
  EXPECT_GE(init.Count("asking as " + WorkloadId("orders", "init")), 1u) << init.Log();

  RunResult put = Sentinel({"-w", "orders", "-s", R"({"db":"orders-secret"})"});
  ASSERT_EQ(put.exit_code, 0) << put.out;
  put = Sentinel({"-w", "billing", "-s", R"({"db":"billing-secret"})"});
  ASSERT_EQ(put.exit_code, 0) << put.out;
  EXPECT_EQ(init.Wait(60), 0) << init.Log();

  // The sidecars write each pod's own secret.
  std::vector<std::unique_ptr<ChildProcess>> sidecars;
  for (const Pod& pod : pods) {
    sidecars.push_back(std::make_unique<ChildProcess>());
    ASSERT_TRUE(StartClient(*sidecars.back(), pod.sidecar, {},
                            {{"VSECM_SIDECAR_POLL_INTERVAL", "200"},
                             {"VSECM_SIDECAR_SECRETS_PATH", dir() / (pod.name + "-secrets.json")}},
                            "sidecar-" + pod.name,
                            /*socket_from_env=*/pod.name == "billing"));  // both ways work
  }
  for (size_t i = 0; i < pods.size(); ++i) {
    const std::string file = dir() / (pods[i].name + "-secrets.json");
    const std::string want = R"({"db":")" + pods[i].name + R"(-secret"})";
    EXPECT_TRUE(Eventually([&] { return ReadAll(file) == want; })) << sidecars[i]->Log();
    EXPECT_GE(sidecars[i]->Count("SVID " + WorkloadId(pods[i].name, "sidecar") +
                                 " \\(generation 1, .*from workload api at " + WorkloadSocket()),
              1u)
        << sidecars[i]->Log();
  }

  // Each workload reads only its own secret (the Safe takes the name from the SPIFFE ID).
  for (const Pod& pod : pods) {
    RunResult got = RunCommand({pod.workload, "--safe-url", SafeUrl(), "--spiffe-socket",
                         WorkloadSocket()},
                        {}, 90);
    EXPECT_EQ(got.exit_code, 0) << got.out;
    EXPECT_NE(got.out.find(pod.name + "-secret"), std::string::npos) << got.out;
    const std::string other = pod.name == "orders" ? "billing-secret" : "orders-secret";
    EXPECT_EQ(got.out.find(other), std::string::npos) << got.out;
  }

  // Sentinel lists both.
  RunResult list = Sentinel({"-l"});
  EXPECT_EQ(list.exit_code, 0) << list.out;
  EXPECT_NE(list.out.find("orders"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("billing"), std::string::npos) << list.out;
  for (auto& sidecar : sidecars) EXPECT_TRUE(sidecar->Running()) << sidecar->Log();
  // The Safe's audit journal names the callers by the SPIFFE IDs SPIRE issued them.
  const std::string audit = ReadAll(dir() / "safe/audit.jsonl");
  EXPECT_NE(audit.find(SentinelId()), std::string::npos) << audit;
  EXPECT_NE(audit.find(WorkloadId("orders", "app")), std::string::npos) << audit;
}

}  // namespace
}  // namespace vsecm::testing
