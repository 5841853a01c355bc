// Helpers for the store-k8s tests: files, environments, and a client for the fake API server.
#ifndef VSECM_TESTS_PLUGINS_STORE_K8S_K8S_TEST_UTIL_HPP_
#define VSECM_TESTS_PLUGINS_STORE_K8S_K8S_TEST_UTIL_HPP_

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fake_kube_api.hpp"
#include "test_support.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/secrets_api.hpp"

namespace vsecm::testing {

inline void WriteFile(const std::string& path, const std::string& text, mode_t mode = 0600) {
  // Replace by rename, as Kubernetes rotates projected files, so the inode changes.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  ::chmod(tmp.c_str(), mode);
  std::filesystem::rename(tmp, path);
}

inline kernel::EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

// Waits that a KubeClient asked for, recorded instead of slept.
struct SleepLog {
  std::mutex mu;
  std::vector<std::chrono::milliseconds> waits;
  k8s::KubeClient::SleepFn Fn() {
    return [this](std::chrono::milliseconds d) {
      std::lock_guard lock(mu);
      waits.push_back(d);
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return waits.size();
  }
};

// A client of `fake` authenticating with the token in `dir`/token (rotatable).
struct FakeClient {
  explicit FakeClient(FakeKubeApi& fake, const std::string& token = "fake-token",
                      int max_attempts = 4) {
    WriteFile(dir / "token", token + "\n");
    WriteFile(dir / "kubeconfig", fake.Kubeconfig("", dir / "token"));
    auto config = k8s::LoadKubeconfig(dir / "kubeconfig");
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    k8s::KubeClient::Options options;
    options.request_timeout = std::chrono::milliseconds(30000);  // only a real hang should hit it
    options.token_recheck = std::chrono::seconds(3600);  // only a 401 re-reads in tests
    options.retry.max_attempts = max_attempts;
    options.retry.initial_backoff = std::chrono::milliseconds(100);
    options.retry.max_backoff = std::chrono::milliseconds(1000);
    options.sleep = sleeps.Fn();
    auto c = k8s::KubeClient::Create(std::move(config).value(), std::move(options));
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    client = std::move(c).value();
    api = std::make_unique<k8s::SecretsApi>(*client);
  }
  TempDir dir;
  SleepLog sleeps;
  std::unique_ptr<k8s::KubeClient> client;
  std::unique_ptr<k8s::SecretsApi> api;
};

inline std::string Text(const kernel::SecretBytes& b) { return std::string(b.ExposeText()); }

inline k8s::Secret MakeSecret(const std::string& name, const std::string& key,
                              const std::string& value) {
  k8s::Secret s;
  s.metadata.name = name;
  s.metadata.labels["app"] = "test";
  s.data.emplace(key, kernel::SecretBytes::CopyOf(std::string_view(value)));
  return s;
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_PLUGINS_STORE_K8S_K8S_TEST_UTIL_HPP_
