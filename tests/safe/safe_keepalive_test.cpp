// Kept-alive connections to a real `vsecm-safe dev` must not outlive what let them in: a
// workload whose SVID expires, or whose CA leaves the Safe's trust bundle, is refused on the
// very connection it opened (400 naming why, audited, closed), and every connection is closed
// once it reaches its maximum age.
#include <ctime>
#include <iostream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dev_safe.hpp"
#include "mtls_connections.hpp"
#include "safe_observe.hpp"
#include "vsecm/identity/dev_ca.hpp"

namespace vsecm::testing {
namespace {

using ::testing::HasSubstr;

constexpr const char* kBilling = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/billing-0";
constexpr const char* kSafeId = "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/dev";
constexpr const char* kValue = "CANARY-keepalive-0b7e";
constexpr const char* kPath = "/workload/v1/secrets";

bool RightSecret(int status, const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  return status == 200 && json.is_object() && json.value("data", "") == kValue;
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Rfc3339(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string AuditJournal(const DevSafe& safe) { return ReadAll(safe.dir() / "audit.jsonl"); }

class SafeKeepAliveTest : public ::testing::Test {
 protected:
  void StartSafe(std::map<std::string, std::string> env = {}) {
    safe_ = std::make_unique<DevSafe>(std::move(env));
    ASSERT_TRUE(safe_->Start()) << safe_->Log();
    ASSERT_TRUE(safe_->WaitReady()) << safe_->Log();
    HttpAnswer put = safe_->Call(safe_->Sentinel(), "POST", "/sentinel/v1/secrets",
                                 fmt::format(R"({{"workloads":["billing"],"value":"{}"}})", kValue));
    ASSERT_EQ(put.status, 200) << put.body;
  }

  // One connection held by a client with the SVID in `svid_dir`, after one good read.
  std::unique_ptr<MtlsConnections> Connect(const std::string& svid_dir) {
    auto client = MtlsConnections::Create(svid_dir, ApiEndpoint(*safe_));
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return nullptr;
    EXPECT_EQ((*client)->Open(1).ok, 1u);
    MtlsConnections::Outcome first = (*client)->GetOnHeld(kPath, RightSecret);
    EXPECT_EQ(first.ok, 1u) << first.Errors();
    return std::move(client).value();
  }

  // The one held connection's last answer, and whether the Safe closes the connection after it.
  static const MtlsConnections::Connection& Held(const MtlsConnections& client) {
    return *client.held_connections().front();
  }
  static bool ClosedAfterwards(MtlsConnections& client) {
    return client.SendOnHeld({}, [](const MtlsConnections::Connection& c) {
      return c.answers.empty() && c.closed;
    }).ok == 1;
  }

  std::unique_ptr<DevSafe> safe_;
};

TEST_F(SafeKeepAliveTest, AnExpiredSvidIsRefusedOnTheConnectionItOpened) {
  ASSERT_NO_FATAL_FAILURE(StartSafe());
  // billing's SVID, valid for ten more seconds.
  auto ca = identity::DevCa::OpenOrCreate(safe_->dir() / "ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  const int64_t now = UnixNow(), not_after = now + 10;
  const std::string svid = safe_->dir() / "svid/short-lived";
  ASSERT_TRUE(ca->IssueSvid({kBilling, {}, {}, std::chrono::seconds(not_after - (now - 60)), now - 60},
                            svid).ok());
  std::unique_ptr<MtlsConnections> client = Connect(svid);
  ASSERT_TRUE(client);
  ASSERT_TRUE(Held(*client).keep_alive);

  while (UnixNow() <= not_after + 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // The next request on the same connection: refused, with the reason, and the connection closed.
  MtlsConnections::Outcome after = client->GetOnHeld(kPath, RightSecret);
  EXPECT_EQ(after.ok, 0u);
  const std::string expired = "the client certificate expired at " + Rfc3339(not_after);
  EXPECT_EQ(Held(*client).status, 400) << Held(*client).body;
  EXPECT_THAT(Held(*client).body, HasSubstr(expired));
  EXPECT_THAT(Held(*client).body, ::testing::Not(HasSubstr(kValue)));
  EXPECT_FALSE(Held(*client).keep_alive);
  EXPECT_TRUE(ClosedAfterwards(*client));
  EXPECT_EQ(Metric(*safe_, R"(vsecm_safe_connections_closed_total{reason="certificate"})"), 1);
  EXPECT_TRUE(WaitFor([&] { return AuditJournal(*safe_).find(expired) != std::string::npos; }))
      << AuditJournal(*safe_);
  EXPECT_THAT(AuditJournal(*safe_), HasSubstr(std::string(kBilling) + " on a kept-alive connection"));
  PrintMatrixRow("a kept-alive connection after its SVID expired", "GET /workload/v1/secrets",
                 std::to_string(Held(*client).status) + " and closed", expired + " (audited)");
  // Fresh SVIDs are served as before.
  HttpAnswer fresh = safe_->Call(safe_->IssueSvid(kBilling, "billing"), "GET", kPath);
  EXPECT_TRUE(RightSecret(fresh.status, fresh.body)) << fresh.status << " " << fresh.body;
}

TEST_F(SafeKeepAliveTest, AWorkloadWhoseCaLeftTheBundleIsRefusedOnItsOpenConnection) {
  ASSERT_NO_FATAL_FAILURE(StartSafe());
  std::unique_ptr<MtlsConnections> client = Connect(safe_->IssueSvid(kBilling, "billing"));
  ASSERT_TRUE(client);
  // The Safe's SVID is rotated to a new CA, and its bundle now trusts only that one (the files
  // are polled every second).
  auto next = identity::DevCa::OpenOrCreate(safe_->dir() / "next-ca");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  ASSERT_TRUE(next->IssueSvid({kSafeId, {"localhost"}, {"127.0.0.1"}, std::chrono::hours(1), {}},
                              safe_->dir() / "svid/safe").ok());
  ASSERT_TRUE(WaitFor([&] { return safe_->Log().find("(generation 2") != std::string::npos; }))
      << safe_->Log();
  client->GetOnHeld(kPath, RightSecret);
  EXPECT_EQ(Held(*client).status, 400) << Held(*client).body;
  EXPECT_THAT(Held(*client).body,
              HasSubstr("the client certificate no longer verifies against the current trust bundle"));
  PrintMatrixRow("a kept-alive connection after its CA left the trust bundle", "GET /workload/v1/secrets",
                 std::to_string(Held(*client).status) + " and closed",
                 "the client certificate no longer verifies against the current trust bundle");
  EXPECT_FALSE(Held(*client).keep_alive);
  EXPECT_TRUE(ClosedAfterwards(*client));
  EXPECT_EQ(Metric(*safe_, R"(vsecm_safe_connections_closed_total{reason="certificate"})"), 1);
}

TEST_F(SafeKeepAliveTest, AConnectionIsClosedOnceItReachesItsMaximumAge) {
  ASSERT_NO_FATAL_FAILURE(StartSafe({{"VSECM_SAFE_MAX_CONNECTION_AGE", "3"}}));
  const auto opened = std::chrono::steady_clock::now();
  std::unique_ptr<MtlsConnections> client = Connect(safe_->IssueSvid(kBilling, "billing"));
  ASSERT_TRUE(client);
  // Requests on the same connection, until an answer says Connection: close.
  const auto deadline = opened + std::chrono::seconds(60);
  while (Held(*client).keep_alive && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    MtlsConnections::Outcome got = client->GetOnHeld(kPath, RightSecret);
    ASSERT_EQ(got.ok, 1u) << got.Errors();  // served every time, the last one too
  }
  EXPECT_FALSE(Held(*client).keep_alive) << "still kept alive after a minute";
  EXPECT_GE(std::chrono::steady_clock::now() - opened, std::chrono::seconds(3))
      << "closed before its maximum age";
  EXPECT_TRUE(ClosedAfterwards(*client));
  EXPECT_EQ(Metric(*safe_, R"(vsecm_safe_connections_closed_total{reason="max_age"})"), 1);
  PrintMatrixRow("a connection past VSECM_SAFE_MAX_CONNECTION_AGE", "GET /workload/v1/secrets",
                 "200 with Connection: close", "closed after its last answer");
}

}  // namespace
}  // namespace vsecm::testing
