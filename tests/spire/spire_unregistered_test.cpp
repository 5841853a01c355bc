// A process that no registration entry selects gets no SVID from the real agent, and so no
// secret, and its error says that no identity was issued; a registered copy of the same binary,
// at another path, gets its secret meanwhile.
#include <filesystem>
#include <string>

#include "spire_fixture.hpp"
#include "vsecm/client/safe_client.hpp"

namespace vsecm::testing {
namespace {

using namespace std::chrono_literals;

class SpireUnregisteredTest : public SpireTest {};

TEST_F(SpireUnregisteredTest, NoEntryNoSvidNoSecretAndTheErrorSaysWhy) {
  RegisterSafeAndSentinel();
  const std::string registered = CopyBinary("vsecm-sidecar", "known");
  const std::string stranger = CopyBinary("vsecm-sidecar", "stranger");  // same bytes, no entry
  const std::string stranger_init = CopyBinary("vsecm-init-container", "stranger");
  ASSERT_TRUE(Register(WorkloadId("known", "sidecar"), {PathSelector(registered)}));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe());
  // A secret under the stranger's would-be name too: nothing but the missing identity stops it.
  ASSERT_EQ(Sentinel({"-w", "known", "-s", "for-known"}).exit_code, 0);
  ASSERT_EQ(Sentinel({"-w", "stranger", "-s", "for-stranger"}).exit_code, 0);

  // The binaries: the registered copy delivers its secret; the stranger writes nothing and
  // exits saying why; so does an init container.
  ChildProcess known, lost, lost_init;
  const std::string known_file = dir() / "known.json", lost_file = dir() / "stranger.json";
  ASSERT_TRUE(StartClient(known, registered, {},
                          {{"VSECM_SIDECAR_POLL_INTERVAL", "200"},
                           {"VSECM_SIDECAR_SECRETS_PATH", known_file}},
                          "sidecar-known"));
  ASSERT_TRUE(StartClient(lost, stranger, {},
                          {{"VSECM_SIDECAR_POLL_INTERVAL", "200"},
                           {"VSECM_SIDECAR_SECRETS_PATH", lost_file}},
                          "sidecar-stranger"));
  ASSERT_TRUE(StartClient(lost_init, stranger_init, {"--timeout", "3000"}, {}, "init-stranger"));
  // Meanwhile, in this process (no entry selects this test binary here): the Workload API
  // source and the client both say that SPIRE issued no identity.
  Status error;
  EXPECT_EQ(OpenOwnSource(5s, &error), nullptr);
  EXPECT_NE(error.message().find("no identity issued"), std::string::npos) << error.ToString();
  client::ClientOptions options;
  options.safe_url = SafeUrl();
  options.identity.spiffe_socket = WorkloadSocket();
  options.identity.initial_wait = 5s;
  StatusOr<std::unique_ptr<client::SafeClient>> client =
      client::SafeClient::Create(std::move(options), [](const char*) { return std::nullopt; });
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), StatusCode::kUnavailable) << client.status().ToString();
  EXPECT_NE(client.status().message().find("no identity issued"), std::string::npos)
      << client.status().ToString();
  std::cout << "[ message  ] SafeClient::Create without an entry: " << client.status().message()
            << std::endl;

  EXPECT_TRUE(Eventually([&] { return ReadAll(known_file) == "for-known"; })) << known.Log();

  // The sidecar waits for an SVID up to the identity options' initial wait (30 s) before giving
  // up; the init container's --timeout (3 s) bounds that wait too, so it is gone while the
  // sidecar still waits (an order of events, ten times apart, not a measured time).
  EXPECT_EQ(lost_init.Wait(90), 1) << lost_init.Log();
  EXPECT_TRUE(lost.Running()) << lost.Log();
  EXPECT_EQ(lost.Wait(90), 1) << lost.Log();
  for (ChildProcess* p : {&lost, &lost_init}) {
    EXPECT_GE(p->Count("no identity issued"), 1u) << p->Log();
    std::cout << "[ message  ] " << p->Log() << std::endl;
  }
  EXPECT_FALSE(std::filesystem::exists(lost_file));
  EXPECT_EQ(lost.Log().find("for-stranger"), std::string::npos);
  // The agent says so too, with the selectors it found.
  EXPECT_GE(agent().Count("No identity issued.*" + stranger), 1u) << agent().Log();
  EXPECT_TRUE(known.Running()) << known.Log();
}

}  // namespace
}  // namespace vsecm::testing
