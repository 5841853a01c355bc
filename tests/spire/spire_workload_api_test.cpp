// The Workload API client against the real agent, for what tests/identity also checks with its
// fake server: several SVIDs for one process told apart by their entries' hints
// (entry create -hint), and the socket taken from SPIFFE_ENDPOINT_SOCKET.
#include <string>

#include "spire_fixture.hpp"
#include "vsecm/identity/identity_options.hpp"

namespace vsecm::testing {
namespace {

using namespace std::chrono_literals;

class SpireWorkloadApiTest : public SpireTest {};

TEST_F(SpireWorkloadApiTest, PicksTheSvidByHintAndReadsTheEnvironmentSocket) {
  const std::string internal = WorkloadId("spire-test", "internal");
  const std::string external = WorkloadId("spire-test", "external");
  ASSERT_TRUE(Register(internal, {PathSelector(SelfBinary())}, 0, {"-hint", "internal"}));
  ASSERT_TRUE(Register(external, {PathSelector(SelfBinary())}, 0, {"-hint", "external"}));
  ASSERT_TRUE(WaitForEntries());

  for (const auto& [hint, id] :
       {std::pair{"external", external}, std::pair{"internal", internal}}) {
    Status error;
    std::shared_ptr<identity::IdentitySource> source = OpenOwnSource(60s, &error, hint);
    ASSERT_NE(source, nullptr) << hint << ": " << error.ToString();
    EXPECT_EQ((*source->Current())->id().str(), id);
  }
  Status error;
  EXPECT_EQ(OpenOwnSource(5s, &error, "nope"), nullptr);
  EXPECT_NE(error.message().find("no SVID has the hint \"nope\""), std::string::npos)
      << error.ToString();

  // No flag: the factory takes the socket from SPIFFE_ENDPOINT_SOCKET (and, with no hint, the
  // first SVID the agent sends).
  identity::IdentityOptions options;
  options.initial_wait = 60s;
  const std::string socket = WorkloadSocket();
  StatusOr<std::unique_ptr<identity::IdentitySource>> source = identity::OpenIdentitySource(
      options, [&](const char* name) -> std::optional<std::string> {
        if (std::string(name) == "SPIFFE_ENDPOINT_SOCKET") return socket;
        return std::nullopt;
      });
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Describe(), "workload api at " + socket);
  const std::string got = (*(*source)->Current())->id().str();
  EXPECT_TRUE(got == internal || got == external) << got;
}

}  // namespace
}  // namespace vsecm::testing
