// The Safe end to end: a real `vsecm-safe dev` process, real TLS 1.3 with client certificates on
// loopback, and the stock curl as the client.
#include <iostream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dev_safe.hpp"
#include "vsecm/identity/dev_ca.hpp"

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
  // Unlike VSecM, Sentinel's ID is never also a workload's: roles are exclusive.
  HttpAnswer sentinel_as_workload = safe_.Call(safe_.Sentinel(), "GET", "/workload/v1/secrets");
  EXPECT_EQ(sentinel_as_workload.status, 400);
  EXPECT_THAT(sentinel_as_workload.body, HasSubstr("VSecM's own identity, not a workload"));

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

  // Each refusal is in the audit journal, which never holds a value. A handshake refusal is
  // written after the alert went out, so the client may have seen it first: wait for it.
  std::string audit;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    audit = ReadAll(safe_.dir() / "audit.jsonl");
    if (audit.find("evil.example") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
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

// One refused request of the bad-input matrix: who sends what, and how the refusal must look.
struct Refusal {
  std::string name;
  std::string svid;  // "" = no client certificate
  std::string method, path, body;
  int status;        // 0: refused in the TLS handshake, no HTTP answer
  std::string says;  // in the answer's "err", or (status 0) in the TLS alert curl reports
  std::string audit = "";  // status 0: in the audit journal's reason for the refusal
};

// What a refused request must leave alone: billing's secret as billing reads it, and the list of
// secrets (with their creation and update times) as Sentinel reads it.
struct SafeState {
  int billing_status = 0;
  std::string billing, list;
};

// The reasons of the audit journal's entries after the first `skip` ones.
std::vector<std::string> AuditReasons(const DevSafe& safe, size_t skip = 0) {
  std::vector<std::string> reasons;
  std::istringstream journal(ReadAll(safe.dir() / "audit.jsonl"));
  size_t n = 0;
  for (std::string line; std::getline(journal, line);) {
    if (n++ < skip) continue;
    auto entry = Json(line);
    reasons.push_back(entry.is_object() ? entry.value("reason", "") : "unparsable: " + line);
  }
  return reasons;
}

// Waits for an audit entry after the first `skip` whose reason has `what`: the Safe writes it
// once the handshake has failed, which the client may see first.
bool AuditHas(const DevSafe& safe, size_t skip, const std::string& what) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    for (const auto& reason : AuditReasons(safe, skip)) {
      if (reason.find(what) != std::string::npos) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  } while (std::chrono::steady_clock::now() < deadline);
  return false;
}

void ExpectUnchanged(const SafeState& now, const SafeState& before) {
  EXPECT_EQ(now.billing_status, before.billing_status);
  EXPECT_EQ(now.billing, before.billing) << "billing's secret changed";
  EXPECT_EQ(now.list, before.list) << "the list of secrets changed";
}

TEST_F(SafeE2eTest, EveryRefusalNamesTheProblemAndChangesNothing) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"original"})").status, 200);
  auto observe = [this] {
    HttpAnswer billing = safe_.Call(billing_, "GET", "/workload/v1/secrets");
    return SafeState{billing.status, billing.body,
                     safe_.Call(safe_.Sentinel(), "GET", "/sentinel/v1/secrets").body};
  };
  const SafeState before = observe();
  ASSERT_EQ(before.billing_status, 200);
  ASSERT_EQ(Json(before.billing)["data"], "original");
  ASSERT_EQ(Json(before.list)["secrets"].size(), 1u) << before.list;

  // Identities the Safe must not serve: another trust domain (signed by the right CA), another
  // CA, and billing's own ID on an SVID that expired an hour ago.
  std::string foreign = safe_.IssueSvid("spiffe://evil.example/workload/billing/ns/default/sa/billing/n/x", "foreign");
  std::string other_ca = safe_.dir() / "svid/other-ca";
  Shell(fmt::format("{}/vsecm-keygen svid --ca-dir {} --spiffe-id {} --out {}", VSECM_TEST_BIN_DIR,
                    Quote(safe_.dir() / "other-ca"), Quote(kBilling), Quote(other_ca)));
  auto ca = identity::DevCa::OpenOrCreate(safe_.dir() / "ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch()).count();
  std::string expired = safe_.dir() / "svid/expired";
  ASSERT_TRUE(ca->IssueSvid({kBilling, {}, {}, std::chrono::hours(1), now - 2 * 3600}, expired).ok());

  const std::string steal = R"({"workloads":["billing"],"value":"changed"})";
  const std::string sentinel = safe_.Sentinel();
  const std::vector<Refusal> matrix = {
      {"no SVID", "", "POST", "/sentinel/v1/secrets", steal, 0, "alert certificate required",
       "peer did not return a certificate"},
      {"foreign trust domain", foreign, "POST", "/sentinel/v1/secrets", steal, 0, "alert handshake failure",
       "is not in the trust domain \"vsecm.com\""},
      {"foreign trust domain reads", foreign, "GET", "/workload/v1/secrets", "", 0, "alert handshake failure",
       "is not in the trust domain \"vsecm.com\""},
      {"another CA", other_ca, "POST", "/sentinel/v1/secrets", steal, 0, "alert unknown ca",
       "unable to get local issuer certificate"},
      {"expired SVID writes", expired, "POST", "/sentinel/v1/secrets", steal, 0, "alert certificate expired",
       "certificate has expired"},
      {"expired SVID reads", expired, "GET", "/workload/v1/secrets", "", 0, "alert certificate expired",
       "certificate has expired"},
      {"another workload as Sentinel", orders_, "POST", "/sentinel/v1/secrets", steal, 400,
       "is not VSecM Sentinel"},
      {"another workload deletes", orders_, "DELETE", "/sentinel/v1/secrets", R"({"workloads":["billing"]})",
       400, "is not VSecM Sentinel"},
      {"another workload reads", orders_, "GET", "/workload/v1/secrets", "", 404, "no secret for \"orders\""},
      {"the workload writes its own", billing_, "POST", "/sentinel/v1/secrets", steal, 400,
       "is not VSecM Sentinel"},
      {"oversized body", sentinel, "POST", "/sentinel/v1/secrets",
       fmt::format(R"({{"workloads":["billing"],"value":"{}"}})", std::string(2 << 20, 'x')), 400,
       "larger than"},
      {"malformed JSON", sentinel, "POST", "/sentinel/v1/secrets", R"({"workloads":["billing"],"value":"changed")",
       400, "json: expected"},
      {"workloads not an array", sentinel, "POST", "/sentinel/v1/secrets",
       R"({"workloads":"billing","value":"changed"})", 400, "workloads: expected an array"},
      {"value not a string", sentinel, "POST", "/sentinel/v1/secrets", R"({"workloads":["billing"],"value":42})",
       400, "value: expected a string"},
      {"delete with a wrong type", sentinel, "DELETE", "/sentinel/v1/secrets", R"({"workloads":"billing"})",
       400, "workloads: expected an array"},
      {"bad expiry date", sentinel, "POST", "/sentinel/v1/secrets",
       R"({"workloads":["billing"],"value":"changed","expires":"next tuesday"})", 400,
       "expires: \"next tuesday\" is not an RFC 3339 date"},
      {"impossible notBefore date", sentinel, "POST", "/sentinel/v1/secrets",
       R"({"workloads":["billing"],"value":"changed","notBefore":"2026-02-30T00:00:00Z"})", 400,
       "notBefore: \"2026-02-30T00:00:00Z\" is not an RFC 3339 date"},
      {"path in a name", sentinel, "POST", "/sentinel/v1/secrets", R"({"workloads":["../billing"],"value":"changed"})",
       400, "workloads: a record name must not start with '.'"},
      {"unknown path", sentinel, "GET", "/nowhere", "", 404, "no such path: /nowhere"},
      {"unknown path with a body", sentinel, "POST", "/sentinel/v1/secret", steal, 404,
       "no such path: /sentinel/v1/secret"},
      {"wrong method for Sentinel", sentinel, "PUT", "/sentinel/v1/secrets", steal, 405,
       "PUT is not allowed on /sentinel/v1/secrets"},
      {"wrong method for a workload", billing_, "POST", "/workload/v1/secrets", steal, 405,
       "POST is not allowed on /workload/v1/secrets"},
      {"Sentinel reads as a workload", sentinel, "GET", "/workload/v1/secrets", "", 400,
       "is VSecM's own identity, not a workload"},
      {"a VSecM identity's name as a workload", sentinel, "POST", "/sentinel/v1/secrets",
       R"({"workloads":["vsecm-sentinel"],"value":"changed"})", 400,
       "\"vsecm-sentinel\" is the name of a VSecM identity"},
      {"template past a transform limit", sentinel, "POST", "/sentinel/v1/secrets",
       R"({"workloads":["billing"],"value":"{\"a\":1}","template":"{{printf \"%0900000d\" .a}}{{printf \"%0900000d\" .a}}"})",
       400, "a transform limit was reached"},
      {"an unknown method", sentinel, "BREW", "/sentinel/v1/secrets", "", 405,
       "BREW is not allowed on /sentinel/v1/secrets"},
  };
  for (const Refusal& r : matrix) {
    SCOPED_TRACE(r.name);
    const size_t audited = AuditReasons(safe_).size();
    HttpAnswer a = safe_.Call(r.svid, r.method, r.path, r.body);
    EXPECT_EQ(a.status, r.status) << a.body << a.curl_error;
    if (r.status == 0) {
      EXPECT_NE(a.curl_exit, 0);
      EXPECT_THAT(a.curl_error, HasSubstr(r.says));
      EXPECT_TRUE(AuditHas(safe_, audited, r.audit)) << "no audit entry names: " << r.audit;
    } else {
      auto body = Json(a.body);
      ASSERT_TRUE(body.contains("err")) << a.body;
      EXPECT_THAT(body["err"].get<std::string>(), HasSubstr(r.says));
    }
    EXPECT_THAT(a.body, Not(HasSubstr("original")));
    ExpectUnchanged(observe(), before);
    // One line per case for docs/SECURITY.md (scripts/security_report.sh collects them).
    std::cout << fmt::format("[ matrix   ] {} | {} {} | {} | {}\n", r.name, r.method, r.path,
                             r.status == 0 ? "handshake refused" : std::to_string(a.status), r.says);
  }
  // Nothing refused reached the store either: after a restart, the same state.
  EXPECT_EQ(safe_.Kill(SIGTERM), 0) << safe_.Log();
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  ExpectUnchanged(observe(), before);
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

// The attack of issue 12 (item 2): reveal a workload's cipher text, store it back for the name
// Sentinel's own SVID carries, and read it as a "workload". Roles are exclusive and VSecM's own
// names are reserved, so each step that could leak is refused; each decryption is audited.
TEST_F(SafeE2eTest, SentinelCannotReadAWorkloadsValueThroughItsOwnName) {
  ASSERT_EQ(Upsert(fmt::format(R"({{"workloads":["billing"],"value":"{}"}})", kCanary)).status, 200);
  auto revealed = Json(safe_.Call(safe_.Sentinel(), "GET", "/sentinel/v1/secrets?reveal=true").body);
  const std::string ciphertext = revealed["secrets"][0]["value"].get<std::string>();
  for (const char* own : {"vsecm-sentinel", "vsecm-safe", "vsecm-scout"}) {
    HttpAnswer stored = Upsert(fmt::format(R"({{"workloads":["{}"],"encrypt":true,"value":"{}"}})",
                                           own, ciphertext));
    EXPECT_EQ(stored.status, 400) << own << ": " << stored.body;
    EXPECT_THAT(stored.body, HasSubstr("is the name of a VSecM identity")) << own;
  }
  HttpAnswer as_workload = safe_.Call(safe_.Sentinel(), "GET", "/workload/v1/secrets");
  EXPECT_EQ(as_workload.status, 400) << as_workload.body;
  EXPECT_THAT(as_workload.body, Not(HasSubstr(kCanary)));
  auto listed = Json(safe_.Call(safe_.Sentinel(), "GET", "/sentinel/v1/secrets").body);
  EXPECT_EQ(listed["secrets"].size(), 1u) << listed.dump();  // nothing new was stored

  // A successful decryption of submitted cipher text is audited too, not only a failed one.
  ASSERT_EQ(Upsert(fmt::format(R"({{"workloads":["orders"],"encrypt":true,"value":"{}"}})",
                               ciphertext)).status, 200);
  std::string audit = ReadAll(safe_.dir() / "audit.jsonl");
  EXPECT_THAT(audit, HasSubstr(R"("action":"decrypt")"));
  EXPECT_THAT(audit, Not(HasSubstr(kCanary)));
}

// Issue 12, item 9: namespaces named at upsert bind the secret; without them (or with VSecM's
// default ["default"]) any namespace's workload of that name is served, as in VSecM.
TEST_F(SafeE2eTest, ExplicitNamespacesBindTheSecretToThoseNamespaces) {
  ASSERT_EQ(Upsert(R"({"workloads":["payments"],"namespaces":["finance","audit"],"value":"bound"})").status, 200);
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"unbound"})").status, 200);
  ASSERT_EQ(Upsert(R"({"workloads":["orders"],"namespaces":["default"],"value":"default"})").status, 200);
  std::string finance = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/payments/ns/finance/sa/payments/n/p-0", "pay-finance");
  std::string audit_ns = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/payments/ns/audit/sa/payments/n/p-1", "pay-audit");
  std::string attacker = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/payments/ns/attacker-ns/sa/payments/n/p-2", "pay-attacker");
  EXPECT_EQ(Json(safe_.Call(finance, "GET", "/workload/v1/secrets").body)["data"], "bound");
  EXPECT_EQ(Json(safe_.Call(audit_ns, "GET", "/workload/v1/secrets").body)["data"], "bound");
  HttpAnswer refused = safe_.Call(attacker, "GET", "/workload/v1/secrets");
  EXPECT_EQ(refused.status, 404) << refused.body;
  PrintMatrixRow("a workload of the name in another namespace", "GET /workload/v1/secrets",
                 std::to_string(refused.status), Json(refused.body)["err"].get<std::string>());
  EXPECT_THAT(refused.body, Not(HasSubstr("bound")));
  EXPECT_THAT(refused.body, Not(HasSubstr("finance")));  // nothing about where it is bound
  EXPECT_THAT(ReadAll(safe_.dir() / "audit.jsonl"),
              HasSubstr(R"(no secret for \"payments\" in namespace \"attacker-ns\")"));

  std::string billing_elsewhere = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/billing/ns/anywhere/sa/billing/n/b-9", "billing-anywhere");
  EXPECT_EQ(Json(safe_.Call(billing_elsewhere, "GET", "/workload/v1/secrets").body)["data"], "unbound");
  std::string orders_elsewhere = safe_.IssueSvid(
      "spiffe://vsecm.com/workload/orders/ns/shop/sa/orders/n/o-1", "orders-shop");
  EXPECT_EQ(Json(safe_.Call(orders_elsewhere, "GET", "/workload/v1/secrets").body)["data"], "default");

  // The binding is part of the record: it holds after a restart.
  safe_.Kill(SIGKILL);
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  EXPECT_EQ(safe_.Call(attacker, "GET", "/workload/v1/secrets").status, 404);
  EXPECT_EQ(Json(safe_.Call(finance, "GET", "/workload/v1/secrets").body)["data"], "bound");
}

// Issue 12, item 12: only the exact query parameter reveal=true reveals.
TEST_F(SafeE2eTest, OnlyTheExactRevealParameterReveals) {
  ASSERT_EQ(Upsert(R"({"workloads":["billing"],"value":"v"})").status, 200);
  for (const char* query : {"?xreveal=true", "?reveal=true2", "?a=reveal=true", "?reveal=truex&b=1"}) {
    auto listed = Json(safe_.Call(safe_.Sentinel(), "GET", std::string("/sentinel/v1/secrets") + query).body);
    EXPECT_FALSE(listed.contains("algorithm")) << query;
    EXPECT_FALSE(listed["secrets"][0].contains("value")) << query;
  }
  PrintMatrixRow("a query that only contains reveal=true", "GET /sentinel/v1/secrets?xreveal=true",
                 "200", "the masked list: no values, no algorithm");
  for (const char* query : {"?reveal=true", "?a=1&reveal=true"}) {
    auto listed = Json(safe_.Call(safe_.Sentinel(), "GET", std::string("/sentinel/v1/secrets") + query).body);
    EXPECT_EQ(listed["algorithm"], "age") << query;
  }
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
