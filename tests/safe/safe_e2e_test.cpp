// The Safe end to end: a real `vsecm-safe dev` process, real TLS 1.3 with client certificates on
// loopback, and the stock curl as the client.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dev_safe.hpp"

namespace vsecm::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kBilling = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/billing-0";
constexpr const char* kOrders = "spiffe://vsecm.com/workload/orders/ns/default/sa/orders/n/orders-0";
constexpr const char* kCanary = "CANARY-e2e-5f0c1d9a";

nlohmann::json Json(const std::string& body) {
  return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

class SafeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
    billing_ = safe_.IssueSvid(kBilling, "billing");
    orders_ = safe_.IssueSvid(kOrders, "orders");
  }

  HttpAnswer Upsert(const std::string& json) {
    return safe_.Call(safe_.Sentinel(), "POST", "/sentinel/v1/secrets", json);
  }

  DevSafe safe_;
  std::string billing_, orders_;
};

TEST_F(SafeE2eTest, SentinelUpsertsAndOnlyTheRightWorkloadReads) {
  HttpAnswer put = Upsert(fmt::format(R"({{"workloads":["billing"],"value":"{}"}})", kCanary));
  ASSERT_EQ(put.status, 200) << put.body << safe_.Log();
  EXPECT_EQ(put.body, "OK");

  HttpAnswer mine = safe_.Call(billing_, "GET", "/workload/v1/secrets");
  ASSERT_EQ(mine.status, 200) << mine.body;
  auto body = Json(mine.body);
  EXPECT_EQ(body["data"], kCanary);
  EXPECT_THAT(body["created"].get<std::string>(), ::testing::StartsWith("\"20"));

  HttpAnswer theirs = safe_.Call(orders_, "GET", "/workload/v1/secrets");
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_THAT(theirs.body, Not(HasSubstr(kCanary)));
}

TEST_F(SafeE2eTest, EveryOtherIdentityIsRefused) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"v"})").status, 200);
  // A workload may not act as Sentinel, and Sentinel is not a workload.
  HttpAnswer workload_as_sentinel = safe_.Call(billing_, "POST", "/sentinel/v1/secrets",
                                               R"({"workloads":["billing"],"value":"stolen"})");
  EXPECT_EQ(workload_as_sentinel.status, 400);
  EXPECT_THAT(Json(workload_as_sentinel.body)["err"].get<std::string>(), HasSubstr("not VSecM Sentinel"));
  EXPECT_EQ(safe_.Call(billing_, "GET", "/sentinel/v1/secrets").status, 400);
  // As in VSecM, Sentinel's ID is also a workload's (named vsecm-sentinel), which has no secret.
  EXPECT_EQ(safe_.Call(safe_.Sentinel(), "GET", "/workload/v1/secrets").status, 404);

  // Another trust domain, signed by the right CA: refused after the handshake, nothing served.
  std::string foreign = safe_.IssueSvid("spiffe://evil.example/workload/billing/ns/default/sa/billing/n/x", "foreign");
  HttpAnswer from_foreign = safe_.Call(foreign, "GET", "/workload/v1/secrets");
  EXPECT_NE(from_foreign.status, 200);
  EXPECT_THAT(from_foreign.body, Not(HasSubstr("\"data\"")));

  // No client certificate: the handshake fails.
  HttpAnswer anonymous = safe_.Call("", "GET", "/workload/v1/secrets");
  EXPECT_EQ(anonymous.status, 0);
  EXPECT_NE(anonymous.curl_exit, 0);

  // An SVID from another CA: the handshake fails.
  Shell(fmt::format("{}/vsecm-keygen svid --ca-dir {} --spiffe-id {} --out {}", VSECM_TEST_BIN_DIR,
                    Quote(safe_.dir() / "other-ca"), Quote(kBilling), Quote(safe_.dir() / "other-svid")));
  EXPECT_EQ(safe_.Call(safe_.dir() / "other-svid", "GET", "/workload/v1/secrets").status, 0);

  // Each refusal is in the audit journal, which never holds a value.
  std::string audit = ReadAll(safe_.dir() / "audit.jsonl");
  EXPECT_THAT(audit, HasSubstr("\"refuse\""));
  EXPECT_THAT(audit, HasSubstr("evil.example"));
  EXPECT_THAT(audit, Not(HasSubstr("stolen")));
}

TEST_F(SafeE2eTest, RestartKeepsEveryAcknowledgedSecret) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"survives-sigterm"})").status, 200);
  EXPECT_EQ(safe_.Kill(SIGTERM), 0) << safe_.Log();
  ASSERT_TRUE(safe_.Start());
  ASSERT_TRUE(safe_.WaitReady());
  EXPECT_EQ(Json(safe_.Call(billing_, "GET", "/workload/v1/secrets").body)["data"], "survives-sigterm");

  ASSERT_EQ(Upsert(R"({"workloads":["orders"],"value":"survives-kill-9"})").status, 200);
  safe_.Kill(SIGKILL);  // no chance to flush anything: the write was durable when acknowledged
  ASSERT_TRUE(safe_.Start());
  ASSERT_TRUE(safe_.WaitReady());
  EXPECT_EQ(Json(safe_.Call(orders_, "GET", "/workload/v1/secrets").body)["data"], "survives-kill-9");
  EXPECT_EQ(Json(safe_.Call(billing_, "GET", "/workload/v1/secrets").body)["data"], "survives-sigterm");
}

TEST_F(SafeE2eTest, ProbesAndMetricsAnswer) {
  EXPECT_EQ(safe_.Plain(safe_.endpoints()["liveness"]).status, 200);
  EXPECT_EQ(safe_.Plain(safe_.endpoints()["readiness"]).status, 200);
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"v"})").status, 200);
  safe_.Call(billing_, "GET", "/workload/v1/secrets");
  HttpAnswer metrics = safe_.Plain(safe_.endpoints()["metrics"]);
  ASSERT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body, HasSubstr("vsecm_safe_secrets 1"));
  EXPECT_THAT(metrics.body, HasSubstr(
      R"(vsecm_safe_requests_total{method="POST",route="/sentinel/v1/secrets",code="200"} 1)"));
  EXPECT_THAT(metrics.body, HasSubstr("vsecm_safe_request_duration_seconds_bucket"));
  EXPECT_THAT(metrics.body, HasSubstr("vsecm_safe_ready 1"));
  // Probes serve nothing else.
  EXPECT_EQ(safe_.Plain(safe_.endpoints()["liveness"].get<std::string>() + "sentinel/v1/secrets").status, 404);
}

TEST_F(SafeE2eTest, BadInputIsRefusedWith400AndChangesNothing) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"original"})").status, 200);
  const char* bad[] = {
      R"({"workloads":["billing"],"value":"changed")",                                // malformed
      R"({"workloads":"billing","value":"changed"})",                                 // wrong type
      R"({"workloads":["billing"],"value":"changed","expires":"next tuesday"})",      // bad date
      R"({"workloads":["billing"],"value":"changed","notBefore":"2026-02-30T00:00:00Z"})",
      R"({"workloads":["../billing"],"value":"changed"})",                            // bad name
  };
  for (const char* body : bad) {
    HttpAnswer a = Upsert(body);
    EXPECT_EQ(a.status, 400) << body << " → " << a.body;
    EXPECT_TRUE(Json(a.body).contains("err")) << a.body;
  }
  HttpAnswer huge = Upsert(fmt::format(R"({{"workloads":["billing"],"value":"{}"}})",
                                       std::string(2 << 20, 'x')));
  EXPECT_EQ(huge.status, 400) << huge.body;
  EXPECT_EQ(Json(safe_.Call(billing_, "GET", "/workload/v1/secrets").body)["data"], "original");
  EXPECT_EQ(safe_.Call(safe_.Sentinel(), "GET", "/nowhere").status, 404);
  EXPECT_EQ(safe_.Call(safe_.Sentinel(), "PUT", "/sentinel/v1/secrets").status, 405);
}

TEST_F(SafeE2eTest, EncryptOnlyThenStoreTheCipherText) {
  HttpAnswer encrypted = Upsert(R"({"encrypt":true,"value":"kept-in-git"})");
  ASSERT_EQ(encrypted.status, 200) << encrypted.body;
  EXPECT_THAT(encrypted.body, Not(HasSubstr("kept-in-git")));
  HttpAnswer stored = Upsert(fmt::format(R"({{"workloads":["billing"],"encrypt":true,"value":"{}"}})",
                                         encrypted.body));
  ASSERT_EQ(stored.status, 200) << stored.body;
  EXPECT_EQ(Json(safe_.Call(billing_, "GET", "/workload/v1/secrets").body)["data"], "kept-in-git");

  auto listed = Json(safe_.Call(safe_.Sentinel(), "GET", "/sentinel/v1/secrets").body);
  ASSERT_EQ(listed["secrets"].size(), 1u);
  EXPECT_FALSE(listed["secrets"][0].contains("value"));
  auto revealed = Json(safe_.Call(safe_.Sentinel(), "GET", "/sentinel/v1/secrets?reveal=true").body);
  EXPECT_EQ(revealed["algorithm"], "age");
  EXPECT_FALSE(revealed["secrets"][0]["value"].get<std::string>().empty());

  ASSERT_EQ(safe_.Call(safe_.Sentinel(), "DELETE", "/sentinel/v1/secrets", R"({"workloads":["billing"]})").status, 200);
  EXPECT_EQ(safe_.Call(billing_, "GET", "/workload/v1/secrets").status, 404);
}

TEST_F(SafeE2eTest, KeygenDecryptsTheStoredFilesForDisasterRecovery) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"first-version"})").status, 200);
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"second-version"})").status, 200);
  // The Safe is gone; only the data directory and the root key are left.
  safe_.Kill(SIGKILL);
  CommandResult current = Shell(fmt::format("{}/vsecm-keygen decrypt --root-key {} {}", VSECM_TEST_BIN_DIR,
                                            Quote(safe_.dir() / "key.txt"), Quote(safe_.dir() / "data/billing.age")));
  ASSERT_EQ(current.exit_code, 0) << current.out;
  auto record = Json(current.out);
  EXPECT_EQ(record["name"], "billing");
  EXPECT_EQ(record["values"][0], "second-version");
  CommandResult backup = Shell(fmt::format("{}/vsecm-keygen decrypt --root-key {} {}", VSECM_TEST_BIN_DIR,
                                           Quote(safe_.dir() / "key.txt"), Quote(safe_.dir() / "data/backups/billing.1")));
  ASSERT_EQ(backup.exit_code, 0) << backup.out;
  EXPECT_EQ(Json(backup.out)["values"][0], "first-version");
  // Nothing in the data directory holds a value in plain text.
  for (const auto& e : std::filesystem::recursive_directory_iterator(safe_.dir() / "data")) {
    if (!e.is_regular_file()) continue;
    EXPECT_THAT(ReadAll(e.path().string()), Not(HasSubstr("version"))) << e.path();
  }
}

class SafeE2eStoreTest : public ::testing::TestWithParam<std::string> {};

// `vsecm-safe dev --store NAME` runs the local Safe on each durable store, and a kill -9 keeps
// every acknowledged secret.
TEST_P(SafeE2eStoreTest, EachStoreKeepsSecretsAcrossAKill) {
  DevSafe safe;
  safe.AddArgs({"--store", GetParam()});
  ASSERT_TRUE(safe.Start()) << safe.Log();
  ASSERT_TRUE(safe.WaitReady()) << safe.Log();
  std::string billing = safe.IssueSvid(kBilling, "billing");
  ASSERT_EQ(safe.Call(safe.Sentinel(), "POST", "/sentinel/v1/secrets",
                      R"({"workloads":["billing"],"value":"on-every-store"})").status, 200);
  safe.Kill(SIGKILL);
  ASSERT_TRUE(safe.Start()) << safe.Log();
  ASSERT_TRUE(safe.WaitReady()) << safe.Log();
  EXPECT_EQ(Json(safe.Call(billing, "GET", "/workload/v1/secrets").body)["data"], "on-every-store");
  EXPECT_THAT(safe.Log(), HasSubstr("vsecm-store-" + GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Stores, SafeE2eStoreTest, ::testing::Values("fs", "rocksdb", "sqlcipher"));

TEST(SafeE2eManualKeyTest, TheApiAnswers503UntilSentinelSendsTheRootKey) {
  DevSafe safe(std::map<std::string, std::string>{{"VSECM_ROOT_KEY_INPUT_MODE_MANUAL", "true"}});
  ASSERT_TRUE(safe.Start()) << safe.Log();
  EXPECT_EQ(safe.Plain(safe.endpoints()["readiness"]).status, 503);
  EXPECT_EQ(safe.Plain(safe.endpoints()["liveness"]).status, 200);
  EXPECT_EQ(safe.Call(safe.Sentinel(), "GET", "/sentinel/v1/secrets").status, 503);
  CommandResult key = Shell(fmt::format("{}/vsecm-keygen generate", VSECM_TEST_BIN_DIR));
  ASSERT_EQ(key.exit_code, 0);
  std::vector<std::string> lines;
  for (size_t pos = 0; pos < key.out.size();) {
    size_t nl = key.out.find('\n', pos);
    lines.push_back(key.out.substr(pos, nl - pos));
    pos = nl == std::string::npos ? key.out.size() : nl + 1;
  }
  ASSERT_GE(lines.size(), 3u);
  HttpAnswer bad = safe.Call(safe.Sentinel(), "POST", "/sentinel/v1/keys",
                             R"({"ageSecretKey":"nope","agePublicKey":"nope","aesCipherKey":"00"})");
  EXPECT_EQ(bad.status, 400);
  HttpAnswer sent = safe.Call(safe.Sentinel(), "POST", "/sentinel/v1/keys",
                              fmt::format(R"({{"ageSecretKey":"{}","agePublicKey":"{}","aesCipherKey":"{}"}})",
                                          lines[0], lines[1], lines[2]));
  ASSERT_EQ(sent.status, 200) << sent.body;
  ASSERT_TRUE(safe.WaitReady());
  EXPECT_EQ(safe.Call(safe.Sentinel(), "GET", "/sentinel/v1/secrets").status, 200);
  EXPECT_EQ(Json(safe.Call(safe.Sentinel(), "GET", "/sentinel/v1/keystone").body)["status"], "pending");
}

}  // namespace
}  // namespace vsecm::testing
