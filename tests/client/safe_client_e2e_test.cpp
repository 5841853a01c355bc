// The client library against a real `vsecm-safe dev` on loopback.
#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "client_test_support.hpp"
#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/kernel/timestamp.hpp"

namespace vsecm::testing {
namespace {

using client::SafeClient;

class SafeClientE2eTest : public ::testing::Test {
 protected:
  void StartSafe() {
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  }
  std::unique_ptr<SafeClient> Client(const std::string& svid_dir,
                                     std::map<std::string, std::string> env = {}) {
    auto c = ClientFor(ApiUrl(safe_), svid_dir, std::move(env));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(*c) : nullptr;
  }
  std::unique_ptr<SafeClient> Sentinel() { return Client(safe_.Sentinel()); }
  std::unique_ptr<SafeClient> Workload(const std::string& name) {
    return Client(safe_.IssueSvid(WorkloadId(name), name));
  }
  uint64_t ConnectionsTotal() {
    std::string text = safe_.Plain(safe_.endpoints()["metrics"]).body;
    std::smatch m;
    EXPECT_TRUE(std::regex_search(text, m, std::regex("vsecm_safe_connections_total (\\d+)")));
    return m.empty() ? 0 : std::stoull(m[1]);
  }

  DevSafe safe_;
};

TEST_F(SafeClientE2eTest, AWorkloadFetchesExactlyItsOwnSecret) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  ASSERT_TRUE(sentinel->Upsert(Upsert("app-a", "secret-a")).ok());
  ASSERT_TRUE(sentinel->Upsert(Upsert("app-b", "secret-b")).ok());

  auto a = Workload("app-a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->spiffe_id(), WorkloadId("app-a"));
  auto secret = a->Fetch();
  ASSERT_TRUE(secret.ok()) << secret.status().ToString();
  EXPECT_EQ(secret->data.ExposeText(), "secret-a");
  EXPECT_TRUE(kernel::ParseRfc3339(secret->created).ok()) << secret->created;
  EXPECT_TRUE(kernel::ParseRfc3339(secret->updated).ok()) << secret->updated;

  // A workload nobody registered a secret for.
  auto c = Workload("app-c");
  ASSERT_TRUE(c);
  auto none = c->Fetch();
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
}

TEST_F(SafeClientE2eTest, SentinelCallsRoundTrip) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  auto ready = sentinel->KeystoneReady();
  ASSERT_TRUE(ready.ok()) << ready.status().ToString();
  EXPECT_FALSE(*ready);

  // Encrypt only: nothing stored; the cipher text stores the value later.
  auto cipher = sentinel->EncryptOnly(Secret("from-git"));
  ASSERT_TRUE(cipher.ok()) << cipher.status().ToString();
  EXPECT_EQ(cipher->find("from-git"), std::string::npos);
  EXPECT_TRUE(sentinel->List()->empty());
  client::UpsertRequest stored = Upsert("app-enc", *cipher);
  stored.encrypt = true;
  ASSERT_TRUE(sentinel->Upsert(stored).ok());
  auto plain = Workload("app-enc")->Fetch();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->data.ExposeText(), "from-git");

  ASSERT_TRUE(sentinel->Upsert(Upsert("app-x", "x-value")).ok());
  auto list = sentinel->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  std::set<std::string> names = {(*list)[0].name, (*list)[1].name};
  EXPECT_EQ(names, (std::set<std::string>{"app-enc", "app-x"}));

  auto revealed = sentinel->ListEncrypted();
  ASSERT_TRUE(revealed.ok()) << revealed.status().ToString();
  EXPECT_EQ(revealed->algorithm, "age");
  ASSERT_EQ(revealed->secrets.size(), 2u);
  for (const auto& s : revealed->secrets) {
    EXPECT_FALSE(s.value.empty());
    EXPECT_EQ(s.value.find("x-value"), std::string::npos);
  }

  ASSERT_TRUE(sentinel->Delete({"app-x"}).ok());
  EXPECT_EQ(Workload("app-x")->Fetch().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sentinel->List()->size(), 1u);

  client::UpsertRequest keystone = Upsert("vsecm-keystone", "keystone-init");
  keystone.namespaces = {"vsecm-system"};
  ASSERT_TRUE(sentinel->Upsert(keystone).ok());
  EXPECT_TRUE(*sentinel->KeystoneReady());
}

TEST_F(SafeClientE2eTest, BadRequestsCarryTheSafesReason) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  client::UpsertRequest bad = Upsert("app", "v");
  bad.expires = "2000-01-01T00:00:00Z";
  bad.not_before = "2001-01-01T00:00:00Z";
  Status s = sentinel->Upsert(bad);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("expires is not after notBefore"), std::string::npos) << s.message();
  client::UpsertRequest encrypted = Upsert("app", "not base64 cipher text!");
  encrypted.encrypt = true;
  EXPECT_EQ(sentinel->Upsert(encrypted).code(), StatusCode::kInvalidArgument);
}

TEST_F(SafeClientE2eTest, AWorkloadIsRefusedSentinelsApi) {
  StartSafe();
  auto impostor = Workload("app-a");
  ASSERT_TRUE(impostor);
  Status s = impostor->Upsert(Upsert("app-a", "mine"));
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("the Safe refused our identity: " + WorkloadId("app-a")),
            std::string::npos)
      << s.message();
  EXPECT_EQ(impostor->List().status().code(), StatusCode::kPermissionDenied);
}

TEST_F(SafeClientE2eTest, OneConnectionServesManyCalls) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  ASSERT_TRUE(sentinel->List().ok());
  const uint64_t before = ConnectionsTotal();
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(sentinel->Upsert(Upsert("app-" + std::to_string(i % 3), "v" + std::to_string(i))).ok());
    ASSERT_TRUE(sentinel->List().ok());
  }
  EXPECT_EQ(ConnectionsTotal(), before);  // all 40 calls on the connection opened before
}

TEST_F(SafeClientE2eTest, WatchDeliversChangesOnlyAndStops) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  ASSERT_TRUE(sentinel->Upsert(Upsert("watched", "v1")).ok());
  auto workload = Workload("watched");
  ASSERT_TRUE(workload);

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> seen;
  client::WatchOptions options;
  options.poll_interval = std::chrono::milliseconds(50);
  auto watch = workload->Watch(
      [&](const client::WorkloadSecret& s) {
        std::lock_guard<std::mutex> lock(mutex);
        seen.emplace_back(s.data.ExposeText());
        cv.notify_all();
      },
      options);
  auto wait_for = [&](size_t n) {
    std::unique_lock<std::mutex> lock(mutex);
    return cv.wait_for(lock, std::chrono::seconds(20), [&] { return seen.size() >= n; });
  };
  ASSERT_TRUE(wait_for(1));
  ASSERT_TRUE(sentinel->Upsert(Upsert("watched", "v2")).ok());
  ASSERT_TRUE(wait_for(2));
  // Polls that find the same data call nobody.
  const uint64_t polls = watch->polls();
  while (watch->polls() < polls + 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  watch->Stop();
  {
    std::lock_guard<std::mutex> lock(mutex);
    EXPECT_EQ(seen, (std::vector<std::string>{"v1", "v2"}));
  }
  EXPECT_EQ(watch->changes(), 2u);
  const uint64_t stopped_at = watch->polls();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_EQ(watch->polls(), stopped_at);
}

TEST_F(SafeClientE2eTest, WatchKeepsRunningAcrossASafeOutage) {
  StartSafe();
  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  ASSERT_TRUE(sentinel->Upsert(Upsert("survivor", "before")).ok());
  auto workload = Workload("survivor");
  ASSERT_TRUE(workload);

  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> seen;
  int errors = 0;
  client::WatchOptions options;
  options.poll_interval = std::chrono::milliseconds(50);
  auto watch = workload->Watch(
      [&](const client::WorkloadSecret& s) {
        std::lock_guard<std::mutex> lock(mutex);
        seen.emplace_back(s.data.ExposeText());
        cv.notify_all();
      },
      options,
      [&](const Status& s) {
        std::lock_guard<std::mutex> lock(mutex);
        if (s.code() == StatusCode::kUnavailable) ++errors;
        cv.notify_all();
      });
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return !seen.empty(); }));
  }
  // Down, and back on the same port with the same data directory.
  const std::string api = safe_.endpoints()["api"];
  safe_.Kill(SIGKILL);
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return errors >= 2; }));
  }
  safe_.SetEnv("VSECM_SAFE_TLS_PORT", api.substr(api.rfind(':') + 1));
  StartSafe();
  auto again = Sentinel();
  ASSERT_TRUE(again);
  ASSERT_TRUE(again->Upsert(Upsert("survivor", "after")).ok());
  {
    std::unique_lock<std::mutex> lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20), [&] { return seen.size() >= 2; }));
    EXPECT_EQ(seen, (std::vector<std::string>{"before", "after"}));
  }
  watch->Stop();
}

TEST_F(SafeClientE2eTest, UnreachableSafeIsUnavailableWithItsUrl) {
  StartSafe();  // for the CA and Sentinel's SVID; the client dials a closed port
  const ClosedPort port;
  const std::string url = "https://127.0.0.1:" + std::to_string(port.port()) + "/";
  auto once = ClientFor(url, safe_.Sentinel());
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  Status s = (*once)->List().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("cannot reach the Safe at " + url), std::string::npos) << s.message();

  auto retrying = ClientFor(url, safe_.Sentinel(),
                            {{"VSECM_BACKOFF_MAX_RETRIES", "2"}, {"VSECM_BACKOFF_DELAY", "10"}});
  ASSERT_TRUE(retrying.ok());
  Status r = (*retrying)->Fetch().status();
  EXPECT_EQ(r.code(), StatusCode::kUnavailable);
  EXPECT_NE(r.message().find("gave up after 2 retries"), std::string::npos) << r.message();
}

TEST_F(SafeClientE2eTest, AServerThatIsNotTheSafeIsRefused) {
  StartSafe();
  // Expect another Safe ID than the one the dev Safe presents.
  auto c = ClientFor(ApiUrl(safe_), safe_.Sentinel(),
                     {{"VSECM_SPIFFEID_PREFIX_SAFE",
                       "^spiffe://vsecm.com/workload/other-safe/ns/vsecm-system/sa/vsecm-safe/n/[^/]+$"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Status s = (*c)->List().status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("is not a Safe we trust"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("VSECM_SPIFFEID_PREFIX_SAFE"), std::string::npos) << s.message();
}

TEST_F(SafeClientE2eTest, ASafeFromAnotherTrustBundleIsRefused) {
  StartSafe();
  TempDir other;
  auto ca = identity::DevCa::OpenOrCreate(other / "ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  identity::SvidRequest request;
  request.spiffe_id =
      "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/dev";
  ASSERT_TRUE(ca->IssueSvid(request, other / "svid").ok());
  auto c = ClientFor(ApiUrl(safe_), other / "svid");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Status s = (*c)->List().status();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("certificate verification failed"), std::string::npos) << s.message();
}

TEST_F(SafeClientE2eTest, NotReadyUntilSentinelPostsTheRootKey) {
  safe_.SetEnv("VSECM_ROOT_KEY_INPUT_MODE_MANUAL", "true");
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  EXPECT_NE(safe_.Plain(safe_.endpoints()["readiness"]).status, 200);

  auto sentinel = Sentinel();
  ASSERT_TRUE(sentinel);
  Status s = sentinel->List().status();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_EQ(s.message().rfind("the Safe is not ready: ", 0), 0u) << s.message();

  // A client with VSecM's back-off rides out the wait.
  auto patient = ClientFor(ApiUrl(safe_), safe_.Sentinel(),
                           {{"VSECM_BACKOFF_MAX_RETRIES", "100"},
                            {"VSECM_BACKOFF_DELAY", "50"},
                            {"VSECM_BACKOFF_MAX_WAIT", "100"}});
  ASSERT_TRUE(patient.ok());
  auto waiting = std::async(std::launch::async, [&] { return (*patient)->List().status(); });

  CommandResult key = Shell(fmt::format("{}/vsecm-keygen generate -o {}", VSECM_TEST_BIN_DIR,
                                        Quote(safe_.dir() / "manual-key.txt")));
  ASSERT_EQ(key.exit_code, 0) << key.out;
  std::string text = ReadAll(safe_.dir() / "manual-key.txt");
  std::vector<std::string> lines;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    if (end > start) lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_EQ(lines.size(), 3u);
  client::RootKeyParts parts{Secret(lines[0]), Secret(lines[1]), Secret(lines[2])};
  Status posted = sentinel->PostRootKey(parts);
  ASSERT_TRUE(posted.ok()) << posted.ToString();
  Status after = waiting.get();
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_TRUE(safe_.WaitReady());
}

}  // namespace
}  // namespace vsecm::testing
