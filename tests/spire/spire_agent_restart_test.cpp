// The SPIRE agent killed with SIGKILL mid-run and restarted on the same data dir (it keeps its
// own SVID there: no new join token): the Safe keeps serving on the SVID it holds while the
// agent is away, the sidecar keeps its file, and both reconnect to the restarted agent's
// Workload API, take the SVIDs it issues, and go on working.
#include <signal.h>

#include <iostream>
#include <string>

#include "spire_fixture.hpp"
#include "vsecm/client/safe_client.hpp"
#include "vsecm/identity/roles.hpp"

namespace vsecm::testing {
namespace {

using namespace std::chrono_literals;

class SpireAgentRestartTest : public SpireTest {};

TEST_F(SpireAgentRestartTest, SafeAndSidecarSurviveKillNineOfTheAgent) {
  RegisterSafeAndSentinel();
  const std::string self_id = WorkloadId("spire-test", "self");
  ASSERT_TRUE(Register(self_id, {PathSelector(SelfBinary())}));
  const std::string sidecar_binary = CopyBinary("vsecm-sidecar", "orders");
  ASSERT_TRUE(Register(WorkloadId("orders", "sidecar"), {PathSelector(sidecar_binary)}));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe(/*socket_from_env=*/true));  // SPIFFE_ENDPOINT_SOCKET, as in a pod
  const pid_t safe_pid = safe().pid();
  ASSERT_EQ(Sentinel({"-w", "orders", "-s", "v1"}).exit_code, 0);
  ASSERT_EQ(Sentinel({"-w", "spire-test", "-s", "mine"}).exit_code, 0);

  ChildProcess sidecar;
  const std::string file = dir() / "orders-secrets.json";
  ASSERT_TRUE(StartClient(sidecar, sidecar_binary, {},
                          {{"VSECM_SIDECAR_POLL_INTERVAL", "200"},
                           {"VSECM_SIDECAR_SECRETS_PATH", file}},
                          "sidecar-orders"));
  ASSERT_TRUE(Eventually([&] { return ReadAll(file) == "v1"; })) << sidecar.Log();

  Status error;
  std::shared_ptr<identity::IdentitySource> own = OpenOwnSource(60s, &error);
  ASSERT_NE(own, nullptr) << error.ToString();
  const uint64_t own_before = own->generation();

  // kill -9 the agent. Its streams end; every identity source retries.
  KillAgent();
  // Each has seen its stream end and then a reconnection refused: the agent is really away.
  for (ChildProcess* p : {&safe(), &sidecar}) {
    ASSERT_TRUE(Eventually([&] {
      return p->Count("workload api stream ended") >= 1 && p->Count("Connection refused") >= 1;
    })) << p->Log();
  }
  // While the agent is away: the Safe still completes new handshakes with the SVID it holds and
  // serves a client holding its own; the sidecar keeps its file.
  StatusOr<SeenCertificate> during = SafeCertificate(own);
  EXPECT_TRUE(during.ok()) << during.status().ToString();
  {
    client::ClientOptions options;
    options.safe_url = SafeUrl();
    options.backoff = client::BackoffPolicy::NoRetries();
    auto roles = identity::RoleMatcher::Defaults();
    ASSERT_TRUE(roles.ok());
    auto client = client::SafeClient::Create(std::move(options), own, *roles);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    // Up to two tries, each without the client's own retries. One CI run (2 cores, the whole
    // suite in parallel) saw a single handshake here end with "stream truncated" (the Safe
    // closed the connection) and no log to say why; 14 runs since, 8 of them under load, did
    // not repeat it. Two failures in a row fail the test (the assertion below), and a first
    // one is printed with the Safe's log, so that the next occurrence names its cause.
    StatusOr<client::WorkloadSecret> got = Unavailable("not tried");
    for (int attempt = 1; attempt <= 2 && !got.ok(); ++attempt) {
      got = (*client)->Fetch();
      if (!got.ok()) {
        std::cout << "[ restart  ] fetch " << attempt << " while the agent is away failed: "
                  << got.status().ToString() << "\n---- the Safe's log\n"
                  << safe().Log() << std::endl;
      }
    }
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(std::string(got->data.ExposeText()), "mine");
  }
  EXPECT_EQ(ReadAll(file), "v1");
  EXPECT_TRUE(sidecar.Running()) << sidecar.Log();
  EXPECT_TRUE(safe().Running()) << safe().Log();

  // Restart on the same data dir, without a join token: it resumes with its stored SVID.
  const size_t first_run = agent().Log().size();  // the log file is appended to
  ASSERT_TRUE(StartAgent(/*with_join_token=*/false));
  // Each source reconnects and takes the SVID the new agent issues.
  EXPECT_TRUE(Eventually([&] { return own->generation() > own_before; }, 120))
      << own->last_error().ToString();
  EXPECT_TRUE(Eventually([&] {
    return safe().Count("SVID " + SafeId() + " \\(generation 2,") >= 1;
  }, 120)) << safe().Log();
  EXPECT_TRUE(Eventually([&] {
    return sidecar.Count("SVID " + WorkloadId("orders", "sidecar") + " \\(generation 2,") >= 1;
  }, 120)) << sidecar.Log();

  // Everything works on: Sentinel (a new process) updates, the sidecar delivers, a new client
  // connects to the same Safe process.
  RunResult put = Sentinel({"-w", "orders", "-s", "v2"});
  ASSERT_EQ(put.exit_code, 0) << put.out;
  EXPECT_TRUE(Eventually([&] { return ReadAll(file) == "v2"; })) << sidecar.Log();
  StatusOr<SeenCertificate> after = SafeCertificate(own);
  EXPECT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(sidecar.Running()) << sidecar.Log();
  EXPECT_EQ(safe().pid(), safe_pid);
  EXPECT_TRUE(safe().Running());
  // The restarted agent did not attest again (its join token was used up): it loaded its SVID.
  const std::string restarted = agent().Log().substr(first_run);
  EXPECT_EQ(restarted.find("Node attestation was successful"), std::string::npos) << restarted;
  EXPECT_NE(restarted.find("SVID loaded"), std::string::npos) << restarted;
}

}  // namespace
}  // namespace vsecm::testing
