// `vsecm-safe dev`: everything a local Safe needs, under one directory:
//   DIR/ca/                 the development CA (created on first use)
//   DIR/svid/safe/          the Safe's SVID (with 127.0.0.1 and localhost SANs)
//   DIR/svid/sentinel/      Sentinel's SVID
//   DIR/key.txt             the root key (generated on first use, mode 0600)
//   DIR/data/ (or db files) the store
//   DIR/audit.jsonl         the audit journal
//   DIR/endpoints.json      where it listens, written once it does
#include "dev_command.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "plugin_directory.hpp"
#include "safe_server.hpp"
#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/log.hpp"

namespace vsecm::safe {
namespace {

constexpr const char* kUsage = R"(usage: vsecm-safe dev --dir DIR [--store fs|rocksdb|sqlcipher] [--crypto age|aes]

Runs a local Safe with no cluster, on 127.0.0.1: a development CA in DIR/ca issues the Safe's
and Sentinel's SVIDs (DIR/svid/safe, DIR/svid/sentinel, in spiffe-helper's file names), the root
key is DIR/key.txt, and secrets are stored under DIR. Ports: VSECM_SAFE_TLS_PORT (default 8443),
VSECM_PROBE_LIVENESS_PORT (8081), VSECM_PROBE_READINESS_PORT (8082), VSECM_SAFE_METRICS_PORT
(8083); 0 picks a free port, and DIR/endpoints.json says which. Stop it with Ctrl-C.
)";

constexpr const char* kSafeId = "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/dev";
constexpr const char* kSentinelId =
    "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/dev";

kernel::ConfigValue Setting(std::string text) {
  return kernel::ConfigValue{std::move(text), kernel::ConfigValue::Kind::kString, "vsecm-safe dev"};
}

// Local addresses: a bare port (or ":port") from the environment binds to 127.0.0.1 only.
std::string Loopback(const kernel::EnvLookup& env, const char* name, const char* default_port) {
  std::string value = env(name).value_or(default_port);
  if (value.find(':') == std::string::npos) value = ":" + value;
  if (value.front() == ':') value = "127.0.0.1" + value;
  return value;
}

}  // namespace

int RunDevCommand(int argc, char** argv) {
  std::string dir, store = "fs", crypto = "age";
  for (int i = 0; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (arg == "--dir" && has_value) {
      dir = argv[++i];
    } else if (arg == "--store" && has_value) {
      store = argv[++i];
    } else if (arg == "--crypto" && has_value) {
      crypto = argv[++i];
    } else {
      std::cerr << "vsecm-safe dev: unknown argument \"" << arg << "\"\n" << kUsage;
      return 2;
    }
  }
  if (dir.empty()) {
    std::cerr << "vsecm-safe dev: --dir is required\n" << kUsage;
    return 2;
  }
  if (store != "fs" && store != "rocksdb" && store != "sqlcipher") {
    std::cerr << "vsecm-safe dev: --store must be fs, rocksdb or sqlcipher, not \"" << store << "\"\n";
    return 2;
  }
  if (crypto != "age" && crypto != "aes") {
    std::cerr << "vsecm-safe dev: --crypto must be age or aes, not \"" << crypto << "\"\n";
    return 2;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir + "/svid", ec);
  dir = std::filesystem::absolute(dir).lexically_normal().string();
  if (!dir.empty() && dir.back() == '/') dir.pop_back();
  ::chmod(dir.c_str(), 0700);

  auto ca = identity::DevCa::OpenOrCreate(dir + "/ca");
  if (!ca.ok()) {
    std::cerr << "vsecm-safe dev: " << ca.status().message() << "\n";
    return 1;
  }
  identity::SvidRequest safe_svid{kSafeId, {"localhost"}, {"127.0.0.1", "::1"}, std::chrono::hours(24 * 30), {}};
  identity::SvidRequest sentinel_svid{kSentinelId, {}, {}, std::chrono::hours(24 * 30), {}};
  for (const auto& [request, out] : {std::pair{&safe_svid, dir + "/svid/safe"},
                                     std::pair{&sentinel_svid, dir + "/svid/sentinel"}}) {
    if (Status s = ca->IssueSvid(*request, out); !s.ok()) {
      std::cerr << "vsecm-safe dev: " << s.message() << "\n";
      return 1;
    }
  }

  kernel::EnvLookup env = kernel::ProcessEnvironment();
  kernel::KernelConfig config;
  config.mode = kernel::Mode::kDevelopment;
  config.source = "vsecm-safe dev";
  config.notices.push_back("vsecm-safe dev: development mode on 127.0.0.1; not for production");
  config.crypto.name = crypto == "aes" ? "vsecm-crypto-aes" : "vsecm-crypto-age";
  config.store.name = "vsecm-store-" + store;
  config.store.settings["path"] = Setting(store == "fs"        ? dir + "/data"
                                          : store == "rocksdb" ? dir + "/rocksdb"
                                                               : dir + "/vsecm.db");
  if (std::filesystem::exists(DefaultPluginDirectory() + "/vsecm-transform.so")) {
    config.transform = kernel::PluginSelection{"vsecm-transform", std::nullopt, {}};
  }
  config.audit_path = dir + "/audit.jsonl";

  SafeServerOptions options = SafeServerOptionsFromEnv(env);
  options.tls_address = Loopback(env, "VSECM_SAFE_TLS_PORT", "8443");
  options.liveness_address = Loopback(env, "VSECM_PROBE_LIVENESS_PORT", "8081");
  options.readiness_address = Loopback(env, "VSECM_PROBE_READINESS_PORT", "8082");
  options.metrics_address = Loopback(env, "VSECM_SAFE_METRICS_PORT", "8083");
  options.root_key.key_path = dir + "/key.txt";
  options.identity = IdentityFlags{dir + "/svid/safe", ""};
  options.on_listening = [dir](const ListeningPorts& ports) {
    nlohmann::json endpoints = {
        {"api", fmt::format("https://127.0.0.1:{}", ports.api)},
        {"liveness", fmt::format("http://127.0.0.1:{}/", ports.liveness)},
        {"readiness", fmt::format("http://127.0.0.1:{}/", ports.readiness)},
        {"metrics", fmt::format("http://127.0.0.1:{}/metrics", ports.metrics)},
        {"sentinel_svid_dir", dir + "/svid/sentinel"},
        {"ca_dir", dir + "/ca"}};
    std::ofstream(dir + "/endpoints.json.tmp") << endpoints.dump(2) << "\n";
    std::filesystem::rename(dir + "/endpoints.json.tmp", dir + "/endpoints.json");
    const std::string s = dir + "/svid/sentinel";
    std::cout << fmt::format(
        "\nVSecM Safe (development) at https://127.0.0.1:{0} (mutual TLS, SPIFFE ID {1})\n"
        "  readiness  http://127.0.0.1:{2}/      metrics  http://127.0.0.1:{3}/metrics\n"
        "  as Sentinel:\n"
        "    curl --cacert {4}/svid_bundle.pem --cert {4}/svid.pem --key {4}/svid_key.pem \\\n"
        "         https://127.0.0.1:{0}/sentinel/v1/secrets\n"
        "  a workload's SVID:\n"
        "    vsecm-keygen svid --ca-dir {5}/ca --out {5}/svid/NAME \\\n"
        "         --spiffe-id spiffe://vsecm.com/workload/NAME/ns/default/sa/NAME/n/pod-1\n"
        "  (endpoints in {5}/endpoints.json; Ctrl-C stops it)\n\n",
        ports.api, kSafeId, ports.readiness, ports.metrics, s, dir);
    std::cout.flush();
  };
  return RunSafeServer(config, options, DefaultPluginDirectory());
}

}  // namespace vsecm::safe
