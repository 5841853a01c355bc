// vsecm-store-k8s through the store ABI against the fake API server: layout, names, versions.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "store_k8s_fixture.hpp"
#include "vsecm/k8s/object_name.hpp"

namespace vsecm::testing {
namespace {

constexpr const char* kNs = StoreK8s::kNs;

std::string B64(const std::string& s) {
  static const char* t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < s.size(); i += 3) {
    size_t n = std::min<size_t>(3, s.size() - i);
    uint32_t w = uint32_t(uint8_t(s[i])) << 16 | (n > 1 ? uint32_t(uint8_t(s[i + 1])) << 8 : 0) |
                 (n > 2 ? uint8_t(s[i + 2]) : 0);
    out += t[w >> 18 & 63];
    out += t[w >> 12 & 63];
    out += n > 1 ? t[w >> 6 & 63] : '=';
    out += n > 2 ? t[w & 63] : '=';
  }
  return out;
}

TEST(StoreK8sPluginTest, DescriptorDeclaresItsConfiguration) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  auto lib = StoreK8s::Library();
  ASSERT_TRUE(lib.ok());
  const auto& d = (*lib)->descriptor();
  EXPECT_EQ(d.kind, VSECM_KIND_STORE);
  EXPECT_TRUE(d.flags & VSECM_PLUGIN_FLAG_THREAD_SAFE);
  std::map<std::string, const vsecm_config_field*> fields;
  for (uint32_t i = 0; i < d.config_field_count; ++i) fields[d.config_fields[i].name] = &d.config_fields[i];
  EXPECT_STREQ(fields.at("namespace")->env, "VSECM_NAMESPACE_SYSTEM");
  EXPECT_STREQ(fields.at("kubeconfig")->env, "KUBECONFIG");
  EXPECT_STREQ(fields.at("secret_prefix")->default_value, "vsecm-secret-");
  EXPECT_STREQ(fields.at("backup_count")->default_value, "3");
  EXPECT_STREQ(fields.at("backup_count")->env, "VSECM_SAFE_SECRET_BACKUP_COUNT");
  EXPECT_EQ(fields.at("request_timeout_ms")->type, VSECM_CONFIG_INTEGER);
  EXPECT_STREQ(fields.at("retry_budget_ms")->default_value, "30000");
}

TEST(StoreK8sPluginTest, PutGetRemoveListAndTheObjectItWrites) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  const std::string cipher = std::string("age-encryption.org/v1\n\x01\x02\xff", 26);
  ASSERT_OK(store.Put("k8s:my-app", cipher));
  auto got = store.Get("k8s:my-app");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, cipher);

  auto object = store.Object("vsecm-secret-k8s-2my-7app");
  ASSERT_TRUE(object.has_value());
  EXPECT_EQ((*object)["metadata"]["labels"]["app.kubernetes.io/managed-by"], "vsecm");
  EXPECT_EQ((*object)["metadata"]["labels"]["vsecm.com/kind"], "secret-record");
  EXPECT_EQ((*object)["metadata"]["annotations"]["vsecm.com/name"], "k8s:my-app");
  EXPECT_EQ((*object)["type"], "Opaque");
  ASSERT_EQ((*object)["data"].size(), 1u) << object->dump();
  EXPECT_EQ((*object)["data"]["record"], B64(cipher));

  ASSERT_OK(store.Put("other", "c2"));
  auto names = store.List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(*names, (std::vector<std::string>{"k8s:my-app", "other"}));

  ASSERT_OK(store.Remove("k8s:my-app"));
  EXPECT_EQ(store.Get("k8s:my-app").status().code(), StatusCode::kNotFound);
  ASSERT_OK(store.Remove("k8s:my-app"));  // absent: still ok
  EXPECT_EQ(*store.List(), std::vector<std::string>{"other"});
}

TEST(StoreK8sPluginTest, OverwritesKeepTheConfiguredNumberOfBackups) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  store.settings()["backup_count"] = "2";
  ASSERT_OK(store.Start());
  for (const char* v : {"v1", "v2", "v3", "v4"}) ASSERT_OK(store.Put("app", v));
  EXPECT_EQ(*store.Get("app"), "v4");
  auto object = store.Object("vsecm-secret-app");
  ASSERT_TRUE(object.has_value());
  const auto& data = (*object)["data"];
  EXPECT_EQ(data.size(), 3u) << data.dump();
  EXPECT_EQ(data["record"], B64("v4"));
  EXPECT_EQ(data["record.1"], B64("v3"));
  EXPECT_EQ(data["record.2"], B64("v2"));
}

TEST(StoreK8sPluginTest, EmptyAndLargeRecords) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("empty", ""));
  auto empty = store.Get("empty");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, "");

  const std::string big(600 * 1024, 'x');
  ASSERT_OK(store.Put("big", big));
  ASSERT_OK(store.Put("big", std::string(600 * 1024, 'y')));
  EXPECT_EQ(*store.Get("big"), std::string(600 * 1024, 'y'));
  auto object = store.Object("vsecm-secret-big");
  EXPECT_FALSE((*object)["data"].contains("record.1"))
      << "a backup that would pass the 1 MiB limit is dropped, not the write";

  Status too_big = store.Put("huge", std::string((1 << 20) + 1, 'z'));
  EXPECT_EQ(too_big.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(too_big.message().find("larger than a Kubernetes Secret can hold"), std::string::npos)
      << too_big.message();
}

TEST(StoreK8sPluginTest, NamesWithEveryAllowedCharacterComeBackFromList) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  const std::string allowed =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+=,-";
  std::vector<std::string> names = {"x" + allowed, "k8s:ns@x+y=z,w", "raw:A.B_c", "UPPER",
                                    "upper", std::string(250, 'Q'), std::string(250, 'q')};
  for (char c : allowed) names.push_back(std::string("n") + c);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  for (const auto& n : names) {
    Status put = store.Put(n, "cipher of " + n);
    ASSERT_TRUE(put.ok()) << n << ": " << put.ToString();
  }
  auto listed = store.List();
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ(*listed, names);
  for (const auto& n : names) EXPECT_EQ(*store.Get(n), "cipher of " + n) << n;
}

TEST(StoreK8sPluginTest, RefusesNamesVsecmDoesNotAllowWithoutCallingTheServer) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  for (const std::string& bad : {std::string("../etc"), std::string("a/b"), std::string(""),
                                std::string(".."), std::string("a\nb"), std::string("a\0b", 3),
                                std::string(251, 'a')}) {
    EXPECT_EQ(store.Put(bad, "c").code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store.Get(bad).status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(store.Remove(bad).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(fake.Requests().empty());
}

TEST(StoreK8sPluginTest, LeavesSecretsItDoesNotOwnAlone) {
  FakeKubeApi fake;
  // Someone's own Secret that happens to have the name a record would get.
  fake.Seed(kNs, {{"metadata", {{"name", "vsecm-secret-app"}}}, {"data", {{"x", B64("theirs")}}}});
  // A labelled object whose annotation does not match its name, and another store's record.
  fake.Seed(kNs, {{"metadata",
                   {{"name", "vsecm-secret-forged"},
                    {"labels", {{"app.kubernetes.io/managed-by", "vsecm"},
                                {"vsecm.com/kind", "secret-record"}}},
                    {"annotations", {{"vsecm.com/name", "something-else"}}}}}});
  fake.Seed(kNs, {{"metadata",
                   {{"name", "team-b-x"},
                    {"labels", {{"app.kubernetes.io/managed-by", "vsecm"},
                                {"vsecm.com/kind", "secret-record"}}},
                    {"annotations", {{"vsecm.com/name", "x"}}}}}});
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  Status put = store.Put("app", "mine");
  EXPECT_EQ(put.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(put.message().find("not a VSecM record"), std::string::npos) << put.message();
  EXPECT_EQ((*store.Object("vsecm-secret-app"))["data"]["x"], B64("theirs"));
  EXPECT_EQ(store.Get("app").status().code(), StatusCode::kFailedPrecondition);
  auto names = store.List();
  ASSERT_TRUE(names.ok());
  EXPECT_TRUE(names->empty()) << names->size();
}

TEST(StoreK8sPluginTest, ConcurrentWritersAndReaders) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  std::mutex mu;
  std::vector<std::string> failures;
  auto check = [&](const Status& s, const std::string& what) {
    if (s.ok()) return;
    std::lock_guard lock(mu);
    failures.push_back(what + ": " + s.ToString());
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 8; ++i) {
        const std::string name = "w" + std::to_string(t) + "." + std::to_string(i);
        check(store.Put(name, name), "put " + name);
        check(store.Put("shared", name), "put shared");  // every writer on one name
        auto got = store.Get(name);
        check(got.status(), "get " + name);
        if (got.ok() && *got != name) check(Internal("wrong value"), "get " + name);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) ADD_FAILURE() << f;
  EXPECT_EQ(store.List()->size(), 33u);
  EXPECT_EQ(store.Get("shared")->front(), 'w');
}

TEST(StoreK8sPluginTest, RecordsOutliveTheInstance) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("persist", "c1"));
  ASSERT_OK(store.Start());  // a new instance, as after a restart
  EXPECT_EQ(*store.Get("persist"), "c1");
}

TEST(StoreK8sPluginTest, DefaultNamespaceAndPrefixSettings) {
  FakeKubeApi fake;
  StoreK8s store(fake);
  store.settings().erase("namespace");
  store.settings()["secret_prefix"] = "team-a-";
  ASSERT_OK(store.Start());
  ASSERT_OK(store.Put("x", "c"));
  EXPECT_TRUE(fake.Get("vsecm-system", "team-a-x").has_value())
      << "outside a cluster the namespace defaults to vsecm-system";
}

TEST(StoreK8sPluginTest, BadSettingsAreRefusedAtCreate) {
  FakeKubeApi fake;
  {
    StoreK8s store(fake);
    store.settings()["secret_prefix"] = "Bad_";
    Status s = store.Start();
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("secret_prefix"), std::string::npos) << s.message();
  }
  {
    StoreK8s store(fake);
    store.settings()["backup_count"] = "1000";
    EXPECT_NE(store.Start().message().find("backup_count"), std::string::npos);
  }
  {
    StoreK8s store(fake);
    store.settings()["namespace"] = "Not.A.Label";
    EXPECT_EQ(store.Start().code(), StatusCode::kInvalidArgument);
  }
  {
    StoreK8s store(fake);
    store.settings()["kubeconfig"] = "/nonexistent/kubeconfig";
    Status s = store.Start();
    EXPECT_NE(s.message().find("/nonexistent/kubeconfig"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace vsecm::testing
