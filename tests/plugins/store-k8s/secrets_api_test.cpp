// The typed Secrets API against the fake API server: shapes, concurrency, errors, TLS.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <nlohmann/json.hpp>

#include "k8s_test_util.hpp"
#include "vsecm/k8s/secrets_api.hpp"

namespace vsecm::k8s {
namespace {

using testing::FakeClient;
using testing::FakeKubeApi;
using testing::MakeSecret;
using testing::Text;

constexpr const char* kNs = "vsecm-system";
constexpr const char* kValue = "TOPSECRET-value-42";

TEST(SecretsApiTest, CreateGetReplaceDeleteRoundTrip) {
  FakeKubeApi fake;
  FakeClient c(fake);
  auto created = c.api->Create(kNs, MakeSecret("app-creds", "password", kValue));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_EQ(created->metadata.namespace_, kNs);
  EXPECT_FALSE(created->metadata.resource_version.empty());
  EXPECT_FALSE(created->metadata.uid.empty());
  EXPECT_FALSE(created->metadata.creation_timestamp.empty());
  EXPECT_EQ(created->metadata.labels.at("app"), "test");

  // On the wire: the API's shape, data in base64.
  auto stored = fake.Get(kNs, "app-creds");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ((*stored)["kind"], "Secret");
  EXPECT_EQ((*stored)["type"], "Opaque");
  EXPECT_EQ((*stored)["data"]["password"], "VE9QU0VDUkVULXZhbHVlLTQy");

  auto got = c.api->Get(kNs, "app-creds");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(Text(got->data.at("password")), kValue);

  Secret update = std::move(got).value();
  update.data["password"] = kernel::SecretBytes::CopyOf(std::string_view("v2"));
  auto replaced = c.api->Replace(kNs, update);
  ASSERT_TRUE(replaced.ok()) << replaced.status().ToString();
  EXPECT_NE(replaced->metadata.resource_version, update.metadata.resource_version);
  EXPECT_EQ(replaced->metadata.uid, created->metadata.uid);
  EXPECT_EQ(Text(c.api->Get(kNs, "app-creds")->data.at("password")), "v2");

  ASSERT_TRUE(c.api->Delete(kNs, "app-creds").ok());
  EXPECT_FALSE(fake.Get(kNs, "app-creds").has_value());
  auto gone = c.api->Get(kNs, "app-creds");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  EXPECT_NE(gone.status().message().find("get secret vsecm-system/app-creds: 404 NotFound"),
            std::string::npos)
      << gone.status().message();
  EXPECT_EQ(c.api->Delete(kNs, "app-creds").code(), StatusCode::kNotFound);
}

TEST(SecretsApiTest, BinaryDataSurvivesExactly) {
  FakeKubeApi fake;
  FakeClient c(fake);
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  for (size_t n : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{256}}) {
    const std::string name = "bin-" + std::to_string(n);
    ASSERT_TRUE(c.api->Create(kNs, MakeSecret(name, "b", all.substr(0, n))).ok());
    auto got = c.api->Get(kNs, name);
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(Text(got->data.at("b")), all.substr(0, n)) << n;
  }
}

TEST(SecretsApiTest, StaleResourceVersionIsAConflict) {
  FakeKubeApi fake;
  FakeClient c(fake);
  auto first = c.api->Create(kNs, MakeSecret("s", "k", "a"));
  ASSERT_TRUE(first.ok());
  const std::string first_rv = first->metadata.resource_version;
  Secret mine = std::move(first).value();
  auto theirs = c.api->Get(kNs, "s");
  theirs->data["k"] = kernel::SecretBytes::CopyOf(std::string_view("b"));
  ASSERT_TRUE(c.api->Replace(kNs, *theirs).ok());

  mine.data["k"] = kernel::SecretBytes::CopyOf(std::string_view(kValue));
  auto stale = c.api->Replace(kNs, mine);
  ASSERT_FALSE(stale.ok());
  EXPECT_TRUE(IsConflict(stale.status())) << stale.status().ToString();
  EXPECT_NE(stale.status().message().find("update secret vsecm-system/s: 409 Conflict"),
            std::string::npos)
      << stale.status().message();
  EXPECT_EQ(stale.status().message().find(kValue), std::string::npos);
  EXPECT_EQ(Text(c.api->Get(kNs, "s")->data.at("k")), "b") << "the stale write changed nothing";

  // A replace without the resourceVersion it was read at is refused before sending.
  mine.metadata.resource_version.clear();
  EXPECT_EQ(c.api->Replace(kNs, mine).status().code(), StatusCode::kInvalidArgument);

  // Delete with a stale precondition is a conflict too.
  Status del = c.api->Delete(kNs, "s", first_rv);
  EXPECT_TRUE(IsConflict(del)) << del.ToString();
  EXPECT_TRUE(fake.Get(kNs, "s").has_value());
}

TEST(SecretsApiTest, CreateOfExistingIsAlreadyExists) {
  FakeKubeApi fake;
  FakeClient c(fake);
  ASSERT_TRUE(c.api->Create(kNs, MakeSecret("s", "k", "a")).ok());
  auto again = c.api->Create(kNs, MakeSecret("s", "k", kValue));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("create secret vsecm-system/s: 409 AlreadyExists"),
            std::string::npos)
      << again.status().message();
  EXPECT_FALSE(IsConflict(again.status()));
}

TEST(SecretsApiTest, InvalidNamesNeverReachAUrl) {
  FakeKubeApi fake;
  FakeClient c(fake);
  for (const char* bad : {"../etc", "A", "a/b", "a?b", ""}) {
    EXPECT_EQ(c.api->Get(kNs, bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(c.api->Get("Bad_NS", "x").status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(fake.Requests().empty());
}

TEST(SecretsApiTest, ServerValidationIsInvalidArgumentWithoutData) {
  FakeKubeApi fake;
  FakeClient c(fake);
  auto bad_key = c.api->Create(kNs, MakeSecret("s", "bad key", kValue));
  EXPECT_EQ(bad_key.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad_key.status().message().find("422 Invalid"), std::string::npos);
  EXPECT_EQ(bad_key.status().message().find(kValue), std::string::npos);
  auto too_big = c.api->Create(kNs, MakeSecret("big", "k", std::string(kMaxSecretDataBytes + 1, 'x')));
  EXPECT_EQ(too_big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(too_big.status().message().find("Too long"), std::string::npos);
}

TEST(SecretsApiTest, ListFollowsPagesAndFiltersByLabel) {
  FakeKubeApi fake;
  fake.SetMaxPageSize(2);
  FakeClient c(fake);
  for (int i = 0; i < 7; ++i) {
    Secret s = MakeSecret("s" + std::to_string(i), "k", "v" + std::to_string(i));
    s.metadata.labels["group"] = i % 2 == 0 ? "even" : "odd";
    ASSERT_TRUE(c.api->Create(kNs, s).ok());
  }
  ASSERT_TRUE(c.api->Create("other-ns", MakeSecret("elsewhere", "k", "v")).ok());
  auto even = c.api->List(kNs, "app=test,group=even");
  ASSERT_TRUE(even.ok()) << even.status().ToString();
  ASSERT_EQ(even->size(), 4u);
  EXPECT_EQ((*even)[0].metadata.name, "s0");
  EXPECT_EQ(Text((*even)[3].data.at("k")), "v6");
  auto meta = c.api->ListMetadata(kNs, "group!=even");
  ASSERT_TRUE(meta.ok());
  ASSERT_EQ(meta->size(), 3u);
  EXPECT_EQ((*meta)[2].name, "s5");
  const auto log = fake.Requests();
  EXPECT_NE(log.back().accept.find("as=PartialObjectMetadataList"), std::string::npos);
  EXPECT_NE(log.back().query.find("labelSelector=group%21%3Deven"), std::string::npos)
      << log.back().query;
  // An expired continue token restarts the listing instead of returning half of it.
  fake.ExpireNextContinueToken();
  auto all = c.api->ListMetadata(kNs, "");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 7u);
}

TEST(SecretsApiTest, ForbiddenNamesVerbAndRbac) {
  FakeKubeApi fake;
  fake.Forbid("update");
  fake.Forbid("list");
  FakeClient c(fake);
  ASSERT_TRUE(c.api->Create(kNs, MakeSecret("s", "k", kValue)).ok());
  auto s = c.api->Get(kNs, "s");
  ASSERT_TRUE(s.ok());
  auto denied = c.api->Replace(kNs, *s);
  EXPECT_EQ(denied.status().code(), StatusCode::kPermissionDenied);
  const std::string m = denied.status().message();
  EXPECT_NE(m.find("update secret vsecm-system/s: 403 Forbidden"), std::string::npos) << m;
  EXPECT_NE(m.find("RBAC must allow verb \"update\" on resource \"secrets\""), std::string::npos) << m;
  EXPECT_EQ(m.find(kValue), std::string::npos);
  auto list = c.api->List(kNs, "");
  EXPECT_EQ(list.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(list.status().message().find("verb \"list\""), std::string::npos);
  EXPECT_EQ(c.sleeps.size(), 0u) << "403 is not retried";
}

TEST(SecretsApiTest, RotatedTokenIsReReadOnceOn401) {
  FakeKubeApi fake;
  FakeClient c(fake, "old-token");
  fake.SetTokens({"old-token"});
  ASSERT_TRUE(c.api->Create(kNs, MakeSecret("s", "k", "v")).ok());
  // The kubelet rotates the projected token; the server stops accepting the old one.
  fake.SetTokens({"new-token"});
  testing::WriteFile(c.dir / "token", "new-token\n");
  fake.ClearRequests();
  auto got = c.api->Get(kNs, "s");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  const auto log = fake.Requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].status, 401);
  EXPECT_EQ(log[0].authorization, "Bearer old-token");
  EXPECT_EQ(log[1].status, 200);
  EXPECT_EQ(log[1].authorization, "Bearer new-token");

  // A token the server never accepts: one re-read, then a clear error.
  fake.SetTokens({"something-else"});
  fake.ClearRequests();
  auto refused = c.api->Get(kNs, "s");
  EXPECT_EQ(refused.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(refused.status().message().find("401 Unauthorized"), std::string::npos);
  EXPECT_NE(refused.status().message().find("token"), std::string::npos);
  EXPECT_EQ(fake.Requests().size(), 2u);
}

TEST(SecretsApiTest, TooManyRequestsHonorsRetryAfter) {
  FakeKubeApi fake;
  FakeClient c(fake);
  fake.FailNext(2, 429, 3);
  auto created = c.api->Create(kNs, MakeSecret("s", "k", "v"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  ASSERT_EQ(c.sleeps.size(), 2u);
  for (auto w : c.sleeps.waits) EXPECT_GE(w.count(), 3000) << "Retry-After: 3 was not honored";
  EXPECT_EQ(fake.Requests().size(), 3u);
}

TEST(SecretsApiTest, ServerErrorsAreRetriedWithGrowingBackoff) {
  FakeKubeApi fake;
  FakeClient c(fake, "fake-token", /*max_attempts=*/4);
  fake.FailNext(3, 503);
  ASSERT_TRUE(c.api->Create(kNs, MakeSecret("s", "k", "v")).ok());
  ASSERT_EQ(c.sleeps.size(), 3u);
  // initial 100 ms, doubled, each with jitter in [50%, 100%]
  EXPECT_GE(c.sleeps.waits[0].count(), 50);
  EXPECT_LE(c.sleeps.waits[0].count(), 100);
  EXPECT_GE(c.sleeps.waits[2].count(), 200);
  EXPECT_LE(c.sleeps.waits[2].count(), 400);
}

TEST(SecretsApiTest, PersistentServerErrorGivesUpClearly) {
  FakeKubeApi fake;
  FakeClient c(fake, "fake-token", /*max_attempts=*/4);
  fake.FailNext(100, 500);
  auto got = c.api->Get(kNs, "s");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("get secret vsecm-system/s: 500 InternalError"),
            std::string::npos)
      << got.status().message();
  EXPECT_NE(got.status().message().find("after 4 attempts"), std::string::npos);
  EXPECT_EQ(fake.Requests().size(), 4u);
}

TEST(SecretsApiTest, DroppedConnectionsAreRetried) {
  FakeKubeApi fake;
  FakeClient c(fake);
  fake.DropNext(2);
  auto created = c.api->Create(kNs, MakeSecret("s", "k", "v"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(fake.Get(kNs, "s").has_value());
  fake.DropNext(100);
  auto got = c.api->Get(kNs, "s");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("after 4 attempts"), std::string::npos)
      << got.status().message();
}

TEST(SecretsApiTest, WrongCertificateAuthorityFailsClearlyAndIsNotRetried) {
  FakeKubeApi fake;
  testing::TempDir dir;
  auto config = LoadKubeconfig([&] {
    testing::WriteFile(dir / "kc", fake.Kubeconfig("fake-token"));
    return dir / "kc";
  }());
  ASSERT_TRUE(config.ok());
  config->ca_pem = FakeKubeApi::UnrelatedCaPem();
  testing::SleepLog sleeps;
  KubeClient::Options options;
  options.sleep = sleeps.Fn();
  auto client = KubeClient::Create(std::move(config).value(), std::move(options));
  ASSERT_TRUE(client.ok());
  SecretsApi api(**client);
  auto got = api.Get(kNs, "s");
  EXPECT_EQ(got.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(got.status().message().find("tls handshake"), std::string::npos) << got.status().message();
  EXPECT_NE(got.status().message().find("certificate"), std::string::npos);
  EXPECT_EQ(sleeps.size(), 0u);
  EXPECT_TRUE(fake.Requests().empty()) << "nothing may be sent to an unverified server";
}

TEST(SecretsApiTest, CertificateForAnotherNameIsRefused) {
  FakeKubeApi fake;
  testing::TempDir dir;
  testing::WriteFile(dir / "kc", fake.Kubeconfig("fake-token"));
  auto config = LoadKubeconfig(dir / "kc");
  ASSERT_TRUE(config.ok());
  config->tls_server_name = "kubernetes.default.svc";  // not in the fake's certificate
  auto client = KubeClient::Create(std::move(config).value(), {});
  ASSERT_TRUE(client.ok());
  SecretsApi api(**client);
  auto got = api.Get(kNs, "s");
  EXPECT_NE(got.status().message().find("kubernetes.default.svc"), std::string::npos)
      << got.status().message();
  EXPECT_TRUE(fake.Requests().empty());
}

TEST(SecretsApiTest, ClientCertificateAuthentication) {
  FakeKubeApi::Options options;
  options.tokens = {};
  options.require_client_certificate = true;
  FakeKubeApi fake(options);
  const auto creds = fake.IssueClientCertificate("system:serviceaccount:vsecm-system:vsecm-safe");
  testing::TempDir dir;
  testing::WriteFile(dir / "kc", fake.Kubeconfig("", "", &creds));
  auto config = LoadKubeconfig(dir / "kc");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto client = KubeClient::Create(std::move(config).value(), {});
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  SecretsApi api(**client);
  ASSERT_TRUE(api.Create(kNs, MakeSecret("mtls", "k", "v")).ok());
  EXPECT_TRUE(fake.Get(kNs, "mtls").has_value());

  // Without the certificate the server ends the handshake.
  testing::WriteFile(dir / "kc2", fake.Kubeconfig(""));
  KubeClient::Options quick;
  quick.sleep = [](std::chrono::milliseconds) {};
  auto plain = KubeClient::Create(std::move(LoadKubeconfig(dir / "kc2")).value(), quick);
  ASSERT_TRUE(plain.ok());
  SecretsApi no_cert(**plain);
  auto refused = no_cert.Get(kNs, "mtls");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.status().message().find("tls"), std::string::npos) << refused.status().message();
}

TEST(SecretsApiTest, ReplaceKeepsMetadataThisClientDoesNotModel) {
  FakeKubeApi fake;
  fake.Seed(kNs, {{"metadata",
                   {{"name", "owned"},
                    {"finalizers", {"example.com/keep"}},
                    {"ownerReferences",
                     {{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"name", "o"}, {"uid", "u-1"}}}}}},
                  {"immutable", false},
                  {"data", {{"k", "YQ=="}}}});
  FakeClient c(fake);
  auto s = c.api->Get(kNs, "owned");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->immutable, std::optional<bool>(false));
  s->data["k"] = kernel::SecretBytes::CopyOf(std::string_view("b"));
  ASSERT_TRUE(c.api->Replace(kNs, *s).ok());
  auto stored = fake.Get(kNs, "owned");
  EXPECT_EQ((*stored)["metadata"]["finalizers"][0], "example.com/keep");
  EXPECT_EQ((*stored)["metadata"]["ownerReferences"][0]["uid"], "u-1");
  EXPECT_EQ((*stored)["immutable"], false);
  EXPECT_EQ((*stored)["data"]["k"], "Yg==");
}

// Metadata this client does not model is copied, and copying JSON recurses once per level: a
// response nested some 50,000 levels deep overflowed the stack (found by
// tests/fuzz/kube_response_fuzz). Responses nested deeper than any real object are refused.
TEST(SecretsApiTest, RefusesResponsesNestedTooDeep) {
  const auto nested = [](int depth) {
    nlohmann::json v = "leaf";
    for (int i = 0; i < depth; ++i) v = nlohmann::json::array({v});
    return v;
  };
  FakeKubeApi fake;
  fake.Seed(kNs, {{"metadata", {{"name", "shallow"}, {"x-extra", nested(40)}}},
                  {"data", {{"k", "YQ=="}}}});
  fake.Seed(kNs, {{"metadata", {{"name", "deep"}, {"x-extra", nested(150)}}},
                  {"data", {{"k", "YQ=="}}}});
  FakeClient c(fake);
  auto shallow = c.api->Get(kNs, "shallow");
  ASSERT_TRUE(shallow.ok()) << shallow.status().ToString();
  EXPECT_NE(shallow->metadata.other_fields_json.find("leaf"), std::string::npos);
  auto deep = c.api->Get(kNs, "deep");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kInternal);
  EXPECT_NE(deep.status().message().find("get secret vsecm-system/deep: 200 response is not JSON"),
            std::string::npos)
      << deep.status().message();
  auto listed = c.api->List(kNs, "");
  EXPECT_EQ(listed.status().code(), StatusCode::kInternal) << "the list holds the deep one";
}

TEST(SecretsApiTest, ConnectionsAreReusedAndConcurrentCallsWork) {
  FakeKubeApi fake;
  FakeClient c(fake);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const std::string name = "t" + std::to_string(t) + "-" + std::to_string(i);
        if (!c.api->Create(kNs, MakeSecret(name, "k", name)).ok()) ++failures;
        auto got = c.api->Get(kNs, name);
        if (!got.ok() || Text(got->data.at("k")) != name) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(fake.Names(kNs).size(), 40u);
  EXPECT_EQ(fake.Requests().size(), 80u);
  EXPECT_LE(fake.ConnectionCount(), 8u) << "kept-alive connections were not reused";
}

}  // namespace
}  // namespace vsecm::k8s
