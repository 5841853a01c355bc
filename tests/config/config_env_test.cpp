// LoadKernelConfig with the environment: VSECM_* overrides and their precedence, VSecM's FIPS
// and backing-store switches, and the ownership and mode checks on the file.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsecm/kernel/config.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;

class ConfigEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/vsecm-config-env-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    path_ = dir_ + "/safe.yaml";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Write(std::string_view text, mode_t mode = 0644) {
    std::ofstream(path_, std::ios::trunc) << text;
    ASSERT_EQ(::chmod(path_.c_str(), mode), 0);
  }

  EnvLookup Env() {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  StatusOr<KernelConfig> Load() { return LoadKernelConfig(path_, Env()); }
  StatusOr<KernelConfig> LoadNoFile() { return LoadKernelConfig("", Env()); }

  std::string Error(StatusOr<KernelConfig> config) {
    EXPECT_FALSE(config.ok());
    return config.ok() ? "" : config.status().message();
  }

  std::string dir_;
  std::string path_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigEnvTest, EnvironmentBeatsFile) {
  Write(
      "mode: production\n"
      "plugins:\n"
      "  directory: /usr/lib/vsecm/plugins\n"
      "  store:\n"
      "    name: vsecm-store-fs\n"
      "  transform:\n"
      "    name: vsecm-transform\n"
      "audit:\n"
      "  path: /var/log/vsecm/audit.jsonl\n");
  env_["VSECM_SAFE_MODE"] = "development";
  env_["VSECM_PLUGIN_DIR"] = "/opt/plugins";
  env_["VSECM_SAFE_STORE_PLUGIN"] = "vsecm-store-rocksdb";
  env_["VSECM_SAFE_STORE_SHA256"] = std::string(64, 'B');
  env_["VSECM_SAFE_TRANSFORM_PLUGIN"] = "none";
  env_["VSECM_SAFE_AUDIT_PATH"] = "-";
  StatusOr<KernelConfig> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->mode, Mode::kDevelopment);
  EXPECT_EQ(config->plugin_directory, "/opt/plugins");
  EXPECT_EQ(config->store.name, "vsecm-store-rocksdb");
  EXPECT_EQ(config->store.sha256, std::string(64, 'b'));
  EXPECT_FALSE(config->transform.has_value());
  EXPECT_EQ(config->audit_path, "");
  EXPECT_EQ(OriginOf(*config, "plugins.store.name"), "environment VSECM_SAFE_STORE_PLUGIN");
  EXPECT_EQ(OriginOf(*config, "mode"), "environment VSECM_SAFE_MODE");
  EXPECT_EQ(OriginOf(*config, "plugins.crypto.name"), "default");
}

TEST_F(ConfigEnvTest, FileBeatsDefaultsWhenEnvironmentIsSilent) {
  Write("plugins:\n  crypto:\n    name: vsecm-crypto-aes\n");
  env_["VSECM_SAFE_CRYPTO_PLUGIN"] = "";  // empty = unset, as Kubernetes manifests write it
  StatusOr<KernelConfig> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->crypto.name, "vsecm-crypto-aes");
  EXPECT_EQ(OriginOf(*config, "plugins.crypto.name"), path_ + ":3");
}

TEST_F(ConfigEnvTest, BadEnvironmentValuesNameTheVariable) {
  env_["VSECM_SAFE_MODE"] = "prod";
  env_["VSECM_SAFE_STORE_PLUGIN"] = "../../tmp/evil";
  env_["VSECM_PLUGIN_DIR"] = "relative/dir";
  env_["VSECM_SAFE_CRYPTO_SHA256"] = "deadbeef";
  std::string message = Error(LoadNoFile());
  EXPECT_THAT(message, HasSubstr("4 configuration errors"));
  EXPECT_THAT(message, HasSubstr("environment VSECM_SAFE_MODE: mode: expected production or "
                                 "development, found 'prod'"));
  EXPECT_THAT(message, HasSubstr("environment VSECM_SAFE_STORE_PLUGIN: plugins.store.name: "));
  EXPECT_THAT(message, HasSubstr("environment VSECM_PLUGIN_DIR: plugins.directory: expected an "
                                 "absolute path"));
  EXPECT_THAT(message, HasSubstr("environment VSECM_SAFE_CRYPTO_SHA256: plugins.crypto.sha256: "
                                 "expected 64 hexadecimal digits"));
}

TEST_F(ConfigEnvTest, DevelopmentModeIsNeverImplicit) {
  env_["VSECM_SAFE_MODE"] = "Development";  // only the exact words are accepted
  EXPECT_THAT(Error(LoadNoFile()), HasSubstr("VSECM_SAFE_MODE"));
  env_["VSECM_SAFE_MODE"] = "development";
  StatusOr<KernelConfig> config = LoadNoFile();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->mode, Mode::kDevelopment);
  EXPECT_THAT(config->notices, Contains(HasSubstr("development mode (from environment "
                                                  "VSECM_SAFE_MODE)")));
}

TEST_F(ConfigEnvTest, FipsSwitchSelectsAesOverTheFile) {
  Write("plugins:\n  crypto:\n    name: vsecm-crypto-age\n");
  for (const char* yes : {"true", "1", "t", "T", "TRUE", "True"}) {
    env_["VSECM_SAFE_FIPS_COMPLIANT"] = yes;
    StatusOr<KernelConfig> config = Load();
    ASSERT_TRUE(config.ok()) << yes << ": " << config.status().ToString();
    EXPECT_EQ(config->crypto.name, "vsecm-crypto-aes") << yes;
    EXPECT_EQ(OriginOf(*config, "plugins.crypto.name"), "environment VSECM_SAFE_FIPS_COMPLIANT");
    EXPECT_THAT(config->notices, Contains(HasSubstr("VSECM_SAFE_FIPS_COMPLIANT=true")));
  }
}

TEST_F(ConfigEnvTest, FipsFalseLeavesTheChoiceAlone) {
  // VSecM's chart sets "false" by default; it must not undo a crypto plugin chosen in the file.
  Write("plugins:\n  crypto:\n    name: vsecm-crypto-aes\n");
  for (const char* no : {"false", "0", "f", "F", "FALSE", "False"}) {
    env_["VSECM_SAFE_FIPS_COMPLIANT"] = no;
    StatusOr<KernelConfig> config = Load();
    ASSERT_TRUE(config.ok()) << no << ": " << config.status().ToString();
    EXPECT_EQ(config->crypto.name, "vsecm-crypto-aes") << no;
  }
  env_.clear();
  env_["VSECM_SAFE_FIPS_COMPLIANT"] = "false";
  StatusOr<KernelConfig> defaults = LoadNoFile();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->crypto.name, "vsecm-crypto-age");
}

TEST_F(ConfigEnvTest, FipsSwitchRefusesBadValuesAndContradictions) {
  env_["VSECM_SAFE_FIPS_COMPLIANT"] = "yes";
  EXPECT_THAT(Error(LoadNoFile()),
              HasSubstr("environment VSECM_SAFE_FIPS_COMPLIANT: expected a boolean"));

  env_["VSECM_SAFE_FIPS_COMPLIANT"] = "true";
  env_["VSECM_SAFE_CRYPTO_PLUGIN"] = "vsecm-crypto-age";
  std::string message = Error(LoadNoFile());
  EXPECT_THAT(message, HasSubstr("VSECM_SAFE_FIPS_COMPLIANT=true selects vsecm-crypto-aes"));
  EXPECT_THAT(message, HasSubstr("VSECM_SAFE_CRYPTO_PLUGIN selects 'vsecm-crypto-age'"));

  env_["VSECM_SAFE_CRYPTO_PLUGIN"] = "vsecm-crypto-aes";  // agreeing is fine
  StatusOr<KernelConfig> config = LoadNoFile();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->crypto.name, "vsecm-crypto-aes");
}

TEST_F(ConfigEnvTest, SwitchingPluginByEnvironmentKeepsNoStalePinOrSettings) {
  Write("plugins:\n  crypto:\n    name: vsecm-crypto-age\n    sha256: " + std::string(64, 'a') +
        "\n");
  env_["VSECM_SAFE_FIPS_COMPLIANT"] = "true";
  std::string pinned = Error(Load());
  EXPECT_THAT(pinned, HasSubstr("plugins.crypto.name: selects vsecm-crypto-aes, but " + path_ +
                                ":4 pins the sha256 of vsecm-crypto-age"));

  env_["VSECM_SAFE_CRYPTO_SHA256"] = std::string(64, 'c');  // a new pin for the new plugin
  StatusOr<KernelConfig> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->crypto.sha256, std::string(64, 'c'));

  Write("plugins:\n  store:\n    config:\n      data_path: /data\n");
  env_["VSECM_SAFE_STORE_PLUGIN"] = "vsecm-store-k8s";
  EXPECT_THAT(Error(Load()), HasSubstr("plugins.store.config (from " + path_ +
                                       ":4) was written for vsecm-store-fs"));
  env_["VSECM_SAFE_STORE_PLUGIN"] = "vsecm-store-fs";  // the same plugin: settings still apply
  StatusOr<KernelConfig> same = Load();
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  EXPECT_EQ(same->store.settings.at("data_path").text, "/data");
}

TEST_F(ConfigEnvTest, BackingStoreSwitchMapsVsecmNames) {
  const std::map<std::string, std::string> expected = {
      {"file", "vsecm-store-fs"},
      {"k8s", "vsecm-store-k8s"},
      {"kubernetes", "vsecm-store-k8s"},
      {"rocksdb", "vsecm-store-rocksdb"},
      {"vsecm-store-sqlcipher", "vsecm-store-sqlcipher"},
      {"acme-vault-store", "acme-vault-store"},
  };
  for (const auto& [value, plugin] : expected) {
    env_["VSECM_SAFE_BACKING_STORE"] = value;
    StatusOr<KernelConfig> config = LoadNoFile();
    ASSERT_TRUE(config.ok()) << value << ": " << config.status().ToString();
    EXPECT_EQ(config->store.name, plugin);
    EXPECT_EQ(OriginOf(*config, "plugins.store.name"), "environment VSECM_SAFE_BACKING_STORE");
  }
}

TEST_F(ConfigEnvTest, BackingStoreSwitchRefusesStoresWeDoNotHave) {
  for (const char* value : {"memory", "postgres", "aws-secret"}) {
    env_["VSECM_SAFE_BACKING_STORE"] = value;
    std::string message = Error(LoadNoFile());
    EXPECT_THAT(message, HasSubstr("environment VSECM_SAFE_BACKING_STORE: VSecM's '" +
                                   std::string(value) + "' backing store has no store plugin"));
  }
  env_["VSECM_SAFE_BACKING_STORE"] = "Not/A/Name";
  EXPECT_THAT(Error(LoadNoFile()), HasSubstr("VSECM_SAFE_BACKING_STORE"));

  env_["VSECM_SAFE_BACKING_STORE"] = "k8s";
  env_["VSECM_SAFE_STORE_PLUGIN"] = "vsecm-store-fs";
  EXPECT_THAT(Error(LoadNoFile()),
              HasSubstr("VSECM_SAFE_BACKING_STORE selects vsecm-store-k8s, but "
                        "VSECM_SAFE_STORE_PLUGIN selects 'vsecm-store-fs'"));
}

TEST_F(ConfigEnvTest, WritableFileIsRefusedInProduction) {
  Write("plugins:\n  store:\n    name: vsecm-store-fs\n", 0666);
  StatusOr<KernelConfig> config = Load();
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(config.status().message(), HasSubstr(path_));
  EXPECT_THAT(config.status().message(), HasSubstr("writable by its group or others (mode 0666)"));

  Write("mode: production\n", 0664);
  EXPECT_THAT(Error(Load()), HasSubstr("writable by its group (mode 0664)"));
}

TEST_F(ConfigEnvTest, WritableFileCannotVouchForItself) {
  // Anyone who can write the file could write this line; only the environment can accept it.
  Write("mode: development\n", 0666);
  EXPECT_THAT(Error(Load()), HasSubstr("or set VSECM_SAFE_MODE=development in the environment"));
}

TEST_F(ConfigEnvTest, WritableFileIsAcceptedInDevelopment) {
  Write("mode: development\nplugins:\n  store:\n    name: vsecm-store-k8s\n", 0666);
  env_["VSECM_SAFE_MODE"] = "development";
  StatusOr<KernelConfig> config = Load();
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->store.name, "vsecm-store-k8s");
  EXPECT_THAT(config->notices, Contains(HasSubstr("accepted in development mode")));
}

TEST_F(ConfigEnvTest, FileOwnedBySomeoneElseIsRefusedInProduction) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the file away";
  Write("mode: production\n", 0644);
  ASSERT_EQ(::chown(path_.c_str(), 12345, 12345), 0);
  EXPECT_THAT(Error(Load()), HasSubstr("owned by uid 12345, not by root or by this process"));
  env_["VSECM_SAFE_MODE"] = "development";
  EXPECT_TRUE(Load().ok());
}

}  // namespace
}  // namespace vsecm::kernel
