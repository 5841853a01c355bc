// VSecM's own Go SDK (github.com/spiffe/vsecm-sdk-go v0.5.1, unmodified, in vsecm-sdk-client)
// against our Safe, every identity from the real SPIRE agent: sentry.Fetch gets exactly the
// caller's own secret and "not found" before there is one; sentry.Watch writes the file, follows
// updates and empties it when the secret is deleted; identities that are not a workload's, or a
// near-miss of one, are served nothing even when the SDK is told to ask; and the SDK's own check
// of the Safe's SPIFFE ID accepts ours and refuses a Safe it was not told to trust.
#include <filesystem>
#include <map>
#include <regex>
#include <string>

#include "spire_fixture.hpp"

namespace vsecm::testing {
namespace {

class VsecmSdkTest : public SpireTest {
 protected:
  // A copy of vsecm-sdk-client at DIR/bin/LABEL, registered as `spiffe_id` by its path.
  std::string SdkClientAs(const std::string& label, const std::string& spiffe_id) {
    const std::string binary = CopyBinary("vsecm-sdk-client", label);
    EXPECT_TRUE(Register(spiffe_id, {PathSelector(binary)}));
    return binary;
  }

  // What a pod's environment gives the SDK: the agent's socket and the Safe's URL.
  std::map<std::string, std::string> SdkEnvironment(std::map<std::string, std::string> extra = {}) {
    extra["SPIFFE_ENDPOINT_SOCKET"] = WorkloadSocket();
    extra["VSECM_SAFE_ENDPOINT_URL"] = SafeUrl();
    return extra;
  }

  struct Fetched {
    int exit_code = -1;
    std::string data, created, updated, out;
  };
  Fetched Fetch(const std::string& binary, std::map<std::string, std::string> extra = {}) {
    RunResult r = RunCommand({binary, "fetch"}, SdkEnvironment(std::move(extra)), 90);
    Fetched f;
    f.exit_code = r.exit_code;
    f.out = r.out;
    // On success: `created=…` and `updated=…` lines on stderr, written before the data on stdout.
    std::smatch m;
    if (r.exit_code == 0 &&
        std::regex_search(r.out, m, std::regex("^created=([^\n]*)\nupdated=([^\n]*)\n"))) {
      f.created = m[1].str();
      f.updated = m[2].str();
      f.data = r.out.substr(m.length(0));
    }
    return f;
  }
};

// RFC 3339 inside literal double quotes: VSecM's Safe writes the workload's `created` and
// `updated` as fmt.Sprintf("\"%s\"", t.Format(time.RFC3339)) (route/fetch/fetch.go), and ours
// matches it, so the SDK hands a workload the same string either way.
const std::regex kQuotedRfc3339(
    R"re("\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")re");

TEST_F(VsecmSdkTest, FetchGetsExactlyTheCallersOwnSecret) {
  RegisterSafeAndSentinel();
  const std::string orders = SdkClientAs("orders", WorkloadId("sdk-orders", "app"));
  const std::string billing = SdkClientAs("billing", WorkloadId("sdk-billing", "app"));
  // A near miss: the name starts like another workload's.
  const std::string near = SdkClientAs("near", WorkloadId("sdk-orders-2", "app"));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe(/*socket_from_env=*/true));

  // Before Sentinel registers anything the Safe answers 404, which the SDK reports as
  // ErrSecretNotFound (exit 3), not as an empty secret.
  Fetched none = Fetch(orders);
  EXPECT_EQ(none.exit_code, 3) << none.out;
  EXPECT_NE(none.out.find("secret does not exist"), std::string::npos) << none.out;

  const std::string orders_secret = R"({"db":"orders-5ecret","note":"q\"uote \u00e9"})";
  ASSERT_EQ(Sentinel({"-w", "sdk-orders", "-s", orders_secret}).exit_code, 0);
  ASSERT_EQ(Sentinel({"-w", "sdk-billing", "-s", "billing-5ecret"}).exit_code, 0);

  Fetched got = Fetch(orders);
  ASSERT_EQ(got.exit_code, 0) << got.out;
  EXPECT_EQ(got.data, orders_secret) << got.out;
  EXPECT_TRUE(std::regex_match(got.created, kQuotedRfc3339)) << got.created;
  EXPECT_TRUE(std::regex_match(got.updated, kQuotedRfc3339)) << got.updated;

  got = Fetch(billing);
  ASSERT_EQ(got.exit_code, 0) << got.out;
  EXPECT_EQ(got.data, "billing-5ecret");

  Fetched missed = Fetch(near);
  EXPECT_EQ(missed.exit_code, 3) << missed.out;
  EXPECT_EQ(missed.out.find("5ecret"), std::string::npos) << missed.out;

  // An update is what the next Fetch returns; `updated` moves, `created` stays.
  ASSERT_EQ(Sentinel({"-w", "sdk-billing", "-s", "billing-5ecret-v2"}).exit_code, 0);
  Fetched again = Fetch(billing);
  ASSERT_EQ(again.exit_code, 0) << again.out;
  EXPECT_EQ(again.data, "billing-5ecret-v2");
  EXPECT_EQ(again.created, got.created);
}

TEST_F(VsecmSdkTest, IdentitiesThatAreNotAWorkloadAreServedNothing) {
  RegisterSafeAndSentinel();
  // Sentinel's own SPIFFE ID, given to an SDK client: the SDK's default workload pattern
  // matches it (it is under /workload/), so the SDK asks; the Safe must refuse.
  const std::string as_sentinel = SdkClientAs("as-sentinel", SentinelId());
  // An ID outside VSecM's workload scheme, with the SDK told to accept it and ask anyway.
  const std::string foreign = SdkClientAs("foreign", "spiffe://vsecm.com/app/sdk-orders");
  const std::string orders = SdkClientAs("orders", WorkloadId("sdk-orders", "app"));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe(/*socket_from_env=*/true));
  ASSERT_EQ(Sentinel({"-w", "sdk-orders", "-s", "orders-5ecret"}).exit_code, 0);
  // A secret stored under Sentinel's workload name is refused too (issue 12), so there is
  // nothing for Sentinel's identity to read even if the Safe served it.
  RunResult own_name = Sentinel({"-w", "vsecm-sentinel", "-s", "x"});
  EXPECT_NE(own_name.exit_code, 0) << own_name.out;

  Fetched sentinel = Fetch(as_sentinel);
  EXPECT_EQ(sentinel.exit_code, 4) << sentinel.out;
  EXPECT_NE(sentinel.out.find("VSecM's own identity, not a workload"), std::string::npos)
      << sentinel.out;

  // (The SDK checks the Safe's ID against these patterns too, so they must match it as well.)
  Fetched other = Fetch(foreign, {{"VSECM_SPIFFEID_PREFIX_WORKLOAD", "^spiffe://vsecm.com/.+$"},
                                  {"VSECM_WORKLOAD_NAME_REGEXP", "^spiffe://vsecm.com/[^/]+/.+$"}});
  EXPECT_EQ(other.exit_code, 4) << other.out;
  EXPECT_NE(other.out.find("is not a workload SPIFFE ID"), std::string::npos) << other.out;
  for (const Fetched* f : {&sentinel, &other}) {
    EXPECT_EQ(f->out.find("orders-5ecret"), std::string::npos) << f->out;
  }
  // The SDK left to its defaults refuses that ID itself, before it connects.
  Fetched refused_by_sdk = Fetch(foreign);
  EXPECT_EQ(refused_by_sdk.exit_code, 1) << refused_by_sdk.out;
  EXPECT_NE(refused_by_sdk.out.find("untrusted workload"), std::string::npos) << refused_by_sdk.out;

  // The SDK checks the Safe's SPIFFE ID: ours passes (above); told to trust another Safe, it
  // refuses ours and gets nothing.
  Fetched wrong_safe = Fetch(
      orders, {{"VSECM_SPIFFEID_PREFIX_SAFE",
                "^spiffe://vsecm.com/workload/other-safe/ns/vsecm-system/sa/other-safe/n/[^/]+$"}});
  EXPECT_EQ(wrong_safe.exit_code, 1) << wrong_safe.out;
  EXPECT_EQ(wrong_safe.out.find("orders-5ecret"), std::string::npos) << wrong_safe.out;
  // And the workload itself is still served.
  Fetched mine = Fetch(orders);
  ASSERT_EQ(mine.exit_code, 0) << mine.out;
  EXPECT_EQ(mine.data, "orders-5ecret");
}

TEST_F(VsecmSdkTest, WatchWritesTheFileFollowsUpdatesAndEmptiesItOnDelete) {
  RegisterSafeAndSentinel();
  const std::string client = SdkClientAs("watcher", WorkloadId("sdk-watch", "app"));
  ASSERT_TRUE(WaitForEntries());
  ASSERT_TRUE(StartSafe(/*socket_from_env=*/true));
  ASSERT_EQ(Sentinel({"-w", "sdk-watch", "-s", "w1"}).exit_code, 0);

  const std::string file = dir() / "sdk-watch-secrets.json";
  ChildProcess watch;
  ASSERT_TRUE(watch.Start({client, "watch", "300"},
                          SdkEnvironment({{"VSECM_SIDECAR_POLL_INTERVAL", "200"},
                                          {"VSECM_SIDECAR_SECRETS_PATH", file}}),
                          dir() / "logs/vsecm-sdk-watch.log"));
  EXPECT_TRUE(Eventually([&] { return ReadAll(file) == "w1"; }, 90)) << watch.Log() << Logs();

  ASSERT_EQ(Sentinel({"-w", "sdk-watch", "-s", R"({"user":"u","pass":"w2"})"}).exit_code, 0);
  EXPECT_TRUE(Eventually([&] { return ReadAll(file) == R"({"user":"u","pass":"w2"})"; }, 90))
      << watch.Log();

  // Deleted in the Safe: the SDK's Watch empties the file (VSecM's behaviour, which our own
  // sidecar matches) rather than leaving a revoked secret behind.
  RunResult del = Sentinel({"-w", "sdk-watch", "-d"});
  ASSERT_EQ(del.exit_code, 0) << del.out;
  EXPECT_TRUE(Eventually([&] { return std::filesystem::exists(file) && ReadAll(file).empty(); },
                         90))
      << watch.Log();
  EXPECT_TRUE(watch.Running()) << watch.Log();
  EXPECT_TRUE(safe().Running()) << safe().Log();
  watch.Kill();
}

}  // namespace
}  // namespace vsecm::testing
