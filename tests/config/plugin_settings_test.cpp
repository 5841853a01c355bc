// ResolvePluginSettings: a plugin's `config:` section checked against its declared fields.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsecm/kernel/config.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// What a store plugin might declare in its descriptor.
constexpr vsecm_config_field kStoreFields[] = {
    {"data_path", VSECM_CONFIG_STRING, 1, nullptr, "VSECM_SAFE_DATA_PATH", "where records live"},
    {"backups", VSECM_CONFIG_INTEGER, 0, "3", "VSECM_SAFE_SECRET_BACKUP_COUNT", "kept versions"},
    {"fsync", VSECM_CONFIG_BOOLEAN, 0, "true", "VSECM_TEST_FSYNC", "flush before acknowledging"},
    {"password", VSECM_CONFIG_STRING, 0, nullptr, nullptr, "a credential"},
};

class PluginSettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/vsecm-plugin-settings-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
    path_ = dir_ + "/safe.yaml";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  EnvLookup Env() {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  // Loads a file whose plugins.store.config is `settings` (indented YAML lines) and resolves it.
  StatusOr<std::map<std::string, std::string>> Resolve(
      std::string_view settings, std::span<const vsecm_config_field> fields = kStoreFields) {
    std::ofstream(path_, std::ios::trunc)
        << "plugins:\n  store:\n    name: vsecm-store-fs\n    config:\n"
        << settings;
    EXPECT_EQ(::chmod(path_.c_str(), 0600), 0);
    StatusOr<KernelConfig> config = LoadKernelConfig(path_, Env());
    if (!config.ok()) return config.status();
    return ResolvePluginSettings("plugins.store", config->store, fields, Env());
  }

  std::string Error(std::string_view settings,
                    std::span<const vsecm_config_field> fields = kStoreFields) {
    auto resolved = Resolve(settings, fields);
    EXPECT_FALSE(resolved.ok()) << "accepted:\n" << settings;
    if (resolved.ok()) return "";
    EXPECT_EQ(resolved.status().code(), StatusCode::kInvalidArgument);
    return resolved.status().message();
  }

  std::string dir_;
  std::string path_;
  std::map<std::string, std::string> env_;
};

TEST_F(PluginSettingsTest, DefaultsAreAppliedAndValuesNormalized) {
  auto resolved = Resolve("      data_path: /var/local/vsecm/data\n");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(*resolved, (std::map<std::string, std::string>{
                           {"data_path", "/var/local/vsecm/data"},
                           {"backups", "3"},
                           {"fsync", "true"},
                       }));  // optional `password` without a value is absent

  auto written = Resolve(
      "      data_path: 12345\n      backups: +007\n      fsync: FALSE\n      password: "
      "\"s3cret\"\n");
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->at("data_path"), "12345");  // a plain number is fine for a string field
  EXPECT_EQ(written->at("backups"), "7");
  EXPECT_EQ(written->at("fsync"), "false");
  EXPECT_EQ(written->at("password"), "s3cret");
}

TEST_F(PluginSettingsTest, NullMeansNotSet) {
  auto resolved = Resolve("      data_path: /d\n      backups:\n      password: ~\n");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->at("backups"), "3");
  EXPECT_EQ(resolved->count("password"), 0u);
}

TEST_F(PluginSettingsTest, UnknownKeyIsNamedWithAcceptedKeys) {
  std::string message = Error("      data_path: /d\n      bakups: 4\n");
  EXPECT_THAT(message, HasSubstr(path_ + ":6: plugins.store.config.bakups: unknown key (did you "
                                         "mean 'backups'?); vsecm-store-fs accepts"));
  EXPECT_THAT(message, HasSubstr("vsecm-store-fs accepts data_path, backups, fsync, password"));

  EXPECT_THAT(Error("      anything: 1\n", {}), HasSubstr("vsecm-store-fs takes no settings"));
  // Unknown even when it has no value.
  EXPECT_THAT(Error("      data_path: /d\n      stray:\n"),
              HasSubstr("plugins.store.config.stray: unknown key"));
}

TEST_F(PluginSettingsTest, WrongTypesNameKeyExpectedAndFound) {
  EXPECT_THAT(Error("      data_path: /d\n      backups: three\n"),
              HasSubstr(":6: plugins.store.config.backups: expected an integer, found a string"));
  EXPECT_THAT(Error("      data_path: /d\n      backups: \"5\"\n"),
              HasSubstr("backups: expected an integer, found a string"));
  EXPECT_THAT(Error("      data_path: /d\n      backups: 1.5\n"),
              HasSubstr("backups: expected an integer, found a number with a fraction"));
  EXPECT_THAT(Error("      data_path: /d\n      backups: 99999999999999999999\n"),
              HasSubstr("backups: expected an integer, found one outside the 64-bit range"));
  EXPECT_THAT(Error("      data_path: /d\n      fsync: maybe\n"),
              HasSubstr("fsync: expected a boolean (true or false), found a string"));
  EXPECT_THAT(Error("      data_path: /d\n      fsync: yes\n"),  // YAML 1.2: a string
              HasSubstr("fsync: expected a boolean (true or false), found a string"));
  EXPECT_THAT(Error("      data_path: /d\n      fsync: 1\n"),
              HasSubstr("fsync: expected a boolean (true or false), found an integer"));
  EXPECT_THAT(Error("      data_path: [/a, /b]\n"),
              HasSubstr("data_path: expected a string, found a list"));
  EXPECT_THAT(Error("      data_path: {a: b}\n"),
              HasSubstr("data_path: expected a string, found a map"));
}

TEST_F(PluginSettingsTest, MessagesNeverQuoteValues) {
  std::string message =
      Error("      data_path: /d\n      backups: hunter2-password\n      password: [hunter3]\n");
  EXPECT_THAT(message, HasSubstr("2 configuration errors"));
  EXPECT_THAT(message, Not(HasSubstr("hunter")));

  env_["VSECM_SAFE_SECRET_BACKUP_COUNT"] = "hunter4";
  EXPECT_THAT(Error("      data_path: /d\n"), Not(HasSubstr("hunter")));
}

TEST_F(PluginSettingsTest, RequiredAndMissingIsAnError) {
  std::string message = Error("      backups: 2\n");
  EXPECT_THAT(message, HasSubstr("plugins.store.config.data_path: required by vsecm-store-fs and "
                                 "not set (set it in the file or in VSECM_SAFE_DATA_PATH)"));

  constexpr vsecm_config_field kNoEnv[] = {{"token", VSECM_CONFIG_STRING, 1, nullptr, nullptr, ""}};
  EXPECT_THAT(Error("", kNoEnv), HasSubstr("plugins.store.config.token: required by "
                                           "vsecm-store-fs and not set in the file"));
}

TEST_F(PluginSettingsTest, FieldEnvironmentBeatsFileAndDefault) {
  env_["VSECM_SAFE_DATA_PATH"] = "/from/env";
  env_["VSECM_SAFE_SECRET_BACKUP_COUNT"] = "10";
  env_["VSECM_TEST_FSYNC"] = "F";  // Go's strconv.ParseBool spelling, as VSecM reads it
  auto resolved = Resolve("      data_path: /from/file\n      backups: 2\n");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->at("data_path"), "/from/env");
  EXPECT_EQ(resolved->at("backups"), "10");
  EXPECT_EQ(resolved->at("fsync"), "false");

  env_.clear();
  env_["VSECM_SAFE_DATA_PATH"] = "/only/env";  // satisfies a required key
  env_["VSECM_TEST_FSYNC"] = "";               // empty = unset: the default stays
  auto from_env = Resolve("");
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->at("data_path"), "/only/env");
  EXPECT_EQ(from_env->at("fsync"), "true");
}

TEST_F(PluginSettingsTest, BadFieldEnvironmentNamesTheVariable) {
  env_["VSECM_TEST_FSYNC"] = "maybe";
  env_["VSECM_SAFE_SECRET_BACKUP_COUNT"] = "1e3";
  std::string message = Error("      data_path: /d\n");
  EXPECT_THAT(message, HasSubstr("environment VSECM_TEST_FSYNC: plugins.store.config.fsync: "
                                 "expected a boolean (true or false) (or 1, 0, t, f)"));
  EXPECT_THAT(message, HasSubstr("environment VSECM_SAFE_SECRET_BACKUP_COUNT: "
                                 "plugins.store.config.backups: expected an integer"));
}

TEST_F(PluginSettingsTest, BrokenDeclarationsAreThePluginsFault) {
  constexpr vsecm_config_field kTwice[] = {
      {"a", VSECM_CONFIG_STRING, 0, nullptr, nullptr, ""},
      {"a", VSECM_CONFIG_STRING, 0, nullptr, nullptr, ""},
  };
  constexpr vsecm_config_field kBadDefault[] = {{"n", VSECM_CONFIG_INTEGER, 0, "ten", nullptr, ""}};
  constexpr vsecm_config_field kBadName[] = {
      {"Bad-Name", VSECM_CONFIG_STRING, 0, nullptr, nullptr, ""}};
  constexpr vsecm_config_field kBadType[] = {{"t", 99, 0, nullptr, nullptr, ""}};
  constexpr vsecm_config_field kBadEnv[] = {{"e", VSECM_CONFIG_STRING, 0, nullptr, "lower", ""}};
  PluginSelection selection{"acme-store", std::nullopt, {}};
  struct Case {
    std::span<const vsecm_config_field> fields;
    const char* expected;
  } cases[] = {
      {kTwice, "plugin acme-store: config field a: declared twice"},
      {kBadDefault, "config field n: default is not an integer"},
      {kBadName, "config field #0 has no valid name"},
      {kBadType, "config field t: unknown type 99"},
      {kBadEnv, "config field e: env is not a variable name"},
  };
  for (const Case& c : cases) {
    auto resolved = ResolvePluginSettings("plugins.store", selection, c.fields, Env());
    ASSERT_FALSE(resolved.ok()) << c.expected;
    EXPECT_EQ(resolved.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(resolved.status().message(), HasSubstr(c.expected));
  }
}

TEST_F(PluginSettingsTest, SettingsBuiltByHandResolveToo) {
  // The host may also build a selection itself (a plugin chosen on the command line).
  PluginSelection selection{"vsecm-store-fs", std::nullopt, {}};
  selection.settings["data_path"] = {"/x", ConfigValue::Kind::kString, "test"};
  selection.settings["backups"] = {"-1", ConfigValue::Kind::kInteger, "test"};
  auto resolved = ResolvePluginSettings("plugins.store", selection, kStoreFields, nullptr);
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->at("backups"), "-1");
}

}  // namespace
}  // namespace vsecm::kernel
