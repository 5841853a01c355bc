// Short-lived X.509-SVIDs from a real SPIRE (entry create -x509SVIDTTL 30; the agent renews at
// half-life): rotation reaches new connections with no restart, both for the Safe (a new TLS
// client sees a new certificate, still valid after the first one expired) and for clients (a
// client presents its rotated SVID once its first one has expired, and the Safe accepts it; a
// sidecar running through the rotations keeps delivering updates).
#include <chrono>
#include <ctime>
#include <iostream>
#include <string>

#include "spire_fixture.hpp"
#include "vsecm/client/safe_client.hpp"
#include "vsecm/identity/roles.hpp"

namespace vsecm::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kShortTtl = 30;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

StatusOr<std::unique_ptr<client::SafeClient>> ClientWith(
    const std::string& url, std::shared_ptr<identity::IdentitySource> source) {
  client::ClientOptions options;
  options.safe_url = url;
  options.backoff = client::BackoffPolicy::NoRetries();
  options.connect_timeout = 20s;
  options.request_timeout = 30s;
  VSECM_ASSIGN_OR_RETURN(identity::RoleMatcher roles, identity::RoleMatcher::Defaults());
  return client::SafeClient::Create(std::move(options), std::move(source), std::move(roles));
}

std::string Text(const kernel::SecretBytes& bytes) { return std::string(bytes.ExposeText()); }

class SpireRotationTest : public SpireTest {};

TEST_F(SpireRotationTest, SafeAndClientSvidsRotateWithoutRestart) {
  RegisterSafeAndSentinel(kShortTtl);
  const std::string self_id = WorkloadId("spire-test", "self");
  ASSERT_TRUE(Register(self_id, {PathSelector(SelfBinary())}, kShortTtl));
  const std::string sidecar_binary = CopyBinary("vsecm-sidecar", "ledger");
  ASSERT_TRUE(Register(WorkloadId("ledger", "sidecar"), {PathSelector(sidecar_binary)}, kShortTtl));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe());
  const pid_t safe_pid = safe().pid();

  Status error;
  std::shared_ptr<identity::IdentitySource> own = OpenOwnSource(60s, &error);
  ASSERT_NE(own, nullptr) << error.ToString();
  const identity::SnapshotPtr own_first = *own->Current();
  ASSERT_EQ(own_first->id().str(), self_id);
  EXPECT_LE(own_first->not_after(), Now() + kShortTtl + 5);  // SPIRE honoured the short TTL

  StatusOr<SeenCertificate> first = SafeCertificate(own);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->spiffe_id, SafeId());
  EXPECT_LE(first->not_after, Now() + kShortTtl + 5);

  ASSERT_EQ(Sentinel({"-w", "spire-test", "-s", "mine"}).exit_code, 0);
  ASSERT_EQ(Sentinel({"-w", "ledger", "-s", "v1"}).exit_code, 0);
  StatusOr<std::unique_ptr<client::SafeClient>> early = ClientWith(SafeUrl(), own);
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  StatusOr<client::WorkloadSecret> got = (*early)->Fetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Text(got->data), "mine");

  ChildProcess sidecar;
  const std::string file = dir() / "ledger-secrets.json";
  ASSERT_TRUE(StartClient(sidecar, sidecar_binary, {},
                          {{"VSECM_SIDECAR_POLL_INTERVAL", "500"},
                           {"VSECM_SIDECAR_SECRETS_PATH", file}},
                          "sidecar-ledger"));
  ASSERT_TRUE(Eventually([&] { return ReadAll(file) == "v1"; })) << sidecar.Log();

  // The Safe rotates: a new client sees another certificate, with a later notAfter.
  StatusOr<SeenCertificate> rotated = first;
  ASSERT_TRUE(Eventually(
      [&] {
        rotated = SafeCertificate(own);
        return rotated.ok() && rotated->serial != first->serial;
      },
      120))
      << (rotated.ok() ? rotated->serial : rotated.status().ToString()) << "\n" << safe().Log();
  EXPECT_GT(rotated->not_after, first->not_after);
  std::cout << "[ rotation ] the Safe's certificate: serial " << first->serial << " notAfter "
            << first->not_after << ", then serial " << rotated->serial << " notAfter "
            << rotated->not_after << std::endl;
  EXPECT_EQ(rotated->spiffe_id, SafeId());
  EXPECT_GE(safe().Count("SVID " + SafeId() + " \\(generation 2,"), 1u) << safe().Log();

  // Past the expiry of both first SVIDs: the Safe must present a rotated certificate (our
  // handshake checks validity dates), and we must too (the Safe checks ours).
  const int64_t both_expired = std::max(first->not_after, own_first->not_after()) + 1;
  ASSERT_TRUE(Eventually([&] { return Now() > both_expired; }, 120));
  StatusOr<SeenCertificate> later = SafeCertificate(own);
  ASSERT_TRUE(later.ok()) << later.status().ToString() << "\n" << safe().Log();
  EXPECT_NE(later->serial, first->serial);
  EXPECT_GT(later->not_after, Now());
  EXPECT_GE(own->generation(), 2u);
  std::cout << "[ rotation ] after both first SVIDs expired: the Safe's serial " << later->serial
            << " notAfter " << later->not_after << "; our SVID generation " << own->generation()
            << std::endl;
  EXPECT_GT((*own->Current())->not_after(), Now());

  // A new client (new connection, our current SVID) and the one made before the rotations.
  StatusOr<std::unique_ptr<client::SafeClient>> fresh = ClientWith(SafeUrl(), own);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  got = (*fresh)->Fetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Text(got->data), "mine");
  got = (*early)->Fetch();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Text(got->data), "mine");

  // Sentinel (a new process, new SVID) updates; the sidecar, running through its own rotation,
  // delivers it.
  EXPECT_GE(sidecar.Count("SVID " + WorkloadId("ledger", "sidecar") + " \\(generation 2,"), 1u)
      << sidecar.Log();
  ASSERT_EQ(Sentinel({"-w", "ledger", "-s", "v2"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return ReadAll(file) == "v2"; })) << sidecar.Log();
  EXPECT_TRUE(sidecar.Running()) << sidecar.Log();
  EXPECT_TRUE(safe().Running());
  EXPECT_EQ(safe().pid(), safe_pid);  // no restart
}

}  // namespace
}  // namespace vsecm::testing
