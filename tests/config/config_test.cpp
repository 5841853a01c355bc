// LoadKernelConfig with a file: defaults, a full file, and every structural error.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vsecm/kernel/config.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ConfigFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char templ[] = "/tmp/vsecm-config-test-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(std::string_view text, mode_t mode = 0600) {
    std::string path = dir_ + "/safe.yaml";
    std::ofstream(path, std::ios::trunc) << text;
    EXPECT_EQ(::chmod(path.c_str(), mode), 0);
    return path;
  }

  EnvLookup Env() {
    return [this](const char* name) -> std::optional<std::string> {
      auto it = env_.find(name);
      if (it == env_.end()) return std::nullopt;
      return it->second;
    };
  }

  StatusOr<KernelConfig> Load(std::string_view text) {
    return LoadKernelConfig(Write(text), Env());
  }

  // The error message of loading `text`, which must fail with InvalidArgument.
  std::string Error(std::string_view text) {
    StatusOr<KernelConfig> config = Load(text);
    EXPECT_FALSE(config.ok()) << "accepted:\n" << text;
    if (config.ok()) return "";
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument) << config.status().ToString();
    return config.status().message();
  }

  std::string dir_;
  std::map<std::string, std::string> env_;
};

TEST_F(ConfigFileTest, NoFileGivesSecureDefaults) {
  StatusOr<KernelConfig> config = LoadKernelConfig("", Env());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->mode, Mode::kProduction);
  EXPECT_EQ(config->crypto.name, "vsecm-crypto-age");
  EXPECT_EQ(config->store.name, "vsecm-store-fs");
  ASSERT_TRUE(config->transform.has_value());
  EXPECT_EQ(config->transform->name, "vsecm-transform");
  EXPECT_FALSE(config->crypto.sha256.has_value());
  EXPECT_TRUE(config->store.settings.empty());
  EXPECT_EQ(config->plugin_directory, "");
  EXPECT_EQ(config->audit_path, "");
  EXPECT_EQ(config->source, "defaults");
  EXPECT_TRUE(config->origins.empty());
  EXPECT_TRUE(config->notices.empty());
  EXPECT_EQ(OriginOf(*config, "plugins.store.name"), "default");
}

TEST_F(ConfigFileTest, FileNamedByEnvironmentIsRead) {
  env_["VSECM_CONFIG_FILE"] = Write("plugins:\n  store:\n    name: vsecm-store-k8s\n");
  StatusOr<KernelConfig> config = LoadKernelConfig("", Env());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->store.name, "vsecm-store-k8s");
  EXPECT_EQ(config->source, env_["VSECM_CONFIG_FILE"]);
}

TEST_F(ConfigFileTest, ExplicitPathWinsOverEnvironment) {
  std::string path = Write("mode: production\n");
  env_["VSECM_CONFIG_FILE"] = dir_ + "/missing.yaml";
  StatusOr<KernelConfig> config = LoadKernelConfig(path, Env());
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->source, path);
}

TEST_F(ConfigFileTest, FullFileIsRead) {
  const std::string sha(64, 'A');
  StatusOr<KernelConfig> config = Load(
      "# the Safe\n"
      "mode: development\n"
      "plugins:\n"
      "  directory: /opt/vsecm/plugins\n"
      "  crypto:\n"
      "    name: vsecm-crypto-aes\n"
      "    sha256: " +
      sha +
      "\n"
      "  store:\n"
      "    name: vsecm-store-fs\n"
      "    config:\n"
      "      data_path: /var/local/vsecm/data\n"
      "      backups: 3\n"
      "      fsync: true\n"
      "      label: \"007\"\n"
      "      ratio: 1.5\n"
      "      empty:\n"
      "  transform:\n"
      "    name: my-transform\n"
      "audit:\n"
      "  path: /var/log/vsecm/audit.jsonl\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const std::string path = dir_ + "/safe.yaml";
  EXPECT_EQ(config->mode, Mode::kDevelopment);
  EXPECT_EQ(config->plugin_directory, "/opt/vsecm/plugins");
  EXPECT_EQ(config->crypto.name, "vsecm-crypto-aes");
  EXPECT_EQ(config->crypto.sha256, std::string(64, 'a'));  // normalized to lower case
  EXPECT_EQ(config->store.name, "vsecm-store-fs");
  ASSERT_TRUE(config->transform.has_value());
  EXPECT_EQ(config->transform->name, "my-transform");
  EXPECT_EQ(config->audit_path, "/var/log/vsecm/audit.jsonl");
  EXPECT_EQ(config->source, path);

  const auto& settings = config->store.settings;
  ASSERT_EQ(settings.size(), 6u);
  EXPECT_EQ(settings.at("data_path").text, "/var/local/vsecm/data");
  EXPECT_EQ(settings.at("data_path").kind, ConfigValue::Kind::kString);
  EXPECT_EQ(settings.at("data_path").origin, path + ":11");
  EXPECT_EQ(settings.at("backups").kind, ConfigValue::Kind::kInteger);
  EXPECT_EQ(settings.at("backups").text, "3");
  EXPECT_EQ(settings.at("fsync").kind, ConfigValue::Kind::kBoolean);
  EXPECT_EQ(settings.at("label").kind, ConfigValue::Kind::kString);  // quoted stays a string
  EXPECT_EQ(settings.at("label").text, "007");
  EXPECT_EQ(settings.at("ratio").kind, ConfigValue::Kind::kFloat);
  EXPECT_EQ(settings.at("empty").kind, ConfigValue::Kind::kNull);

  EXPECT_EQ(OriginOf(*config, "mode"), path + ":2");
  EXPECT_EQ(OriginOf(*config, "plugins.crypto.sha256"), path + ":7");
  EXPECT_EQ(OriginOf(*config, "audit.path"), path + ":20");
  EXPECT_THAT(config->notices, ::testing::Contains(HasSubstr("development mode")));
}

TEST_F(ConfigFileTest, EmptyAndCommentOnlyFilesMeanDefaults) {
  for (std::string_view text :
       {"", "# nothing yet\n", "---\n", "plugins:\naudit:\n  # path: x\n"}) {
    StatusOr<KernelConfig> config = Load(text);
    ASSERT_TRUE(config.ok()) << text << ": " << config.status().ToString();
    EXPECT_EQ(config->mode, Mode::kProduction);
    EXPECT_EQ(config->store.name, "vsecm-store-fs");
    EXPECT_EQ(config->source, dir_ + "/safe.yaml");
  }
}

TEST_F(ConfigFileTest, TransformCanBeDisabled) {
  StatusOr<KernelConfig> config = Load("plugins:\n  transform:\n    name: none\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_FALSE(config->transform.has_value());

  EXPECT_THAT(Error("plugins:\n  transform:\n    name: none\n    config:\n      a: 1\n"),
              HasSubstr("plugins.transform.name: none disables the transform plugin"));
}

TEST_F(ConfigFileTest, UnknownKeysAreNamedWithLineAndSuggestion) {
  const std::string path = dir_ + "/safe.yaml";
  std::string top = Error("plugin:\n  store: {}\n");
  EXPECT_THAT(top, HasSubstr(path + ":1: plugin: unknown key (did you mean 'plugins'?)"));
  EXPECT_THAT(top, HasSubstr("accepted here: mode, plugins, audit"));

  EXPECT_THAT(Error("mode: production\nplugins:\n  stroe:\n    name: x\n"),
              HasSubstr(path + ":3: plugins.stroe: unknown key (did you mean 'store'?)"));
  EXPECT_THAT(Error("plugins:\n  store:\n    nmae: vsecm-store-fs\n"),
              HasSubstr(path + ":3: plugins.store.nmae: unknown key (did you mean 'name'?); "
                               "accepted here: name, sha256, config"));
  EXPECT_THAT(Error("audit:\n  path: /x\n  rotate: daily\n"),
              HasSubstr(path + ":3: audit.rotate: unknown key"));
  EXPECT_THAT(Error("zzz: 1\n"), Not(HasSubstr("did you mean")));
}

TEST_F(ConfigFileTest, WrongTypesAreNamed) {
  EXPECT_THAT(Error("mode: true\n"), HasSubstr("mode: expected production or development, "
                                               "found a boolean"));
  EXPECT_THAT(Error("mode: prod\n"),
              HasSubstr("mode: expected production or development, found 'prod'"));
  EXPECT_THAT(Error("mode: [production]\n"),
              HasSubstr("mode: expected production | development, found a list"));
  EXPECT_THAT(Error("plugins: vsecm-store-fs\n"),
              HasSubstr("plugins: expected a map with keys directory, crypto, store, transform, "
                        "found a string"));
  EXPECT_THAT(Error("plugins:\n  - store\n"), HasSubstr("plugins: expected a map"));
  EXPECT_THAT(Error("plugins:\n  store:\n    name: {a: 1}\n"),
              HasSubstr("plugins.store.name: expected plugin name, found a map"));
  EXPECT_THAT(Error("plugins:\n  store:\n    name: 42\n"),
              HasSubstr("plugins.store.name: expected a plugin name, found an integer"));
  EXPECT_THAT(Error("plugins:\n  store:\n    config: [a, b]\n"),
              HasSubstr("plugins.store.config: expected a map of the plugin's settings, found a "
                        "list"));
  EXPECT_THAT(Error("plugins:\n  directory: lib/plugins\n"),
              HasSubstr("plugins.directory: expected an absolute path, found 'lib/plugins'"));
  EXPECT_THAT(Error("audit:\n  path: audit.log\n"),
              HasSubstr("audit.path: expected \"-\" (stderr) or an absolute path"));
  EXPECT_THAT(Error("mode: !custom production\n"), HasSubstr("mode: unsupported YAML tag"));
}

TEST_F(ConfigFileTest, AuditDashMeansStderr) {
  StatusOr<KernelConfig> config = Load("audit:\n  path: \"-\"\n");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->audit_path, "");
}

TEST_F(ConfigFileTest, BadPluginNamesAreRefused) {
  for (std::string_view name :
       {"../evil", "/usr/lib/evil", "a/b", "Vsecm-store", "-store", ".hidden", "store fs"}) {
    std::string message = Error("plugins:\n  crypto:\n    name: \"" + std::string(name) + "\"\n");
    EXPECT_THAT(message, HasSubstr("plugins.crypto.name: '"));
    EXPECT_THAT(message, HasSubstr("is not a plugin name")) << name;
  }
  EXPECT_THAT(Error("plugins:\n  crypto:\n    name: \"\"\n"), HasSubstr("plugins.crypto.name"));
  // "none" switches off only the transform; the Safe cannot run without crypto or a store.
  EXPECT_THAT(Error("plugins:\n  store:\n    name: none\n"),
              HasSubstr("plugins.store.name: the store plugin is required; none is accepted only "
                        "for plugins.transform.name"));
}

TEST_F(ConfigFileTest, Sha256PinsAreChecked) {
  EXPECT_THAT(Error("plugins:\n  store:\n    sha256: abc\n"),
              HasSubstr(":3: plugins.store.sha256: expected 64 hexadecimal digits"));
  EXPECT_THAT(Error("plugins:\n  store:\n    sha256: " + std::string(63, 'a') + "g\n"),
              HasSubstr("found 64 characters with a non-hexadecimal one"));
  StatusOr<KernelConfig> digits =
      Load("plugins:\n  store:\n    sha256: " + std::string(64, '1') + "\n");
  ASSERT_TRUE(digits.ok()) << digits.status().ToString();
  EXPECT_EQ(digits->store.sha256, std::string(64, '1'));
}

TEST_F(ConfigFileTest, SyntaxErrorsGiveLineAndColumn) {
  std::string message = Error("mode: production\nplugins:\n  store: [vsecm\n");
  EXPECT_THAT(message, HasSubstr(dir_ + "/safe.yaml:"));
  EXPECT_THAT(message, HasSubstr("invalid YAML"));
  EXPECT_THAT(Error("plugins:\n  store:\n    name: a\n   sha256: b\n"),
              HasSubstr("safe.yaml:4:4: invalid YAML"));
  EXPECT_THAT(Error("mode: production\n\tplugins: {}\n"), HasSubstr("safe.yaml:2:1: invalid YAML"));
}

TEST_F(ConfigFileTest, DuplicateKeysAreRefused) {
  EXPECT_THAT(Error("mode: production\nmode: development\n"),
              HasSubstr("safe.yaml:2: mode: duplicate key (first set on line 1)"));
  EXPECT_THAT(Error("plugins:\n  store:\n    config:\n      a: 1\n      a: 2\n"),
              HasSubstr("safe.yaml:5: plugins.store.config.a: duplicate key (first set on line "
                        "4)"));
  EXPECT_THAT(Error("plugins: {store: {name: a, name: b}}\n"),
              HasSubstr("plugins.store.name: duplicate key"));
}

TEST_F(ConfigFileTest, OneDocumentWithAMapAtTheTop) {
  EXPECT_THAT(Error("mode: production\n---\nmode: development\n"),
              HasSubstr("2 YAML documents; a configuration file holds one"));
  EXPECT_THAT(Error("just words\n"),
              HasSubstr("safe.yaml:1: expected a map of settings at the top level, found a "
                        "string"));
  EXPECT_THAT(Error("- mode\n"), HasSubstr("found a list"));
  EXPECT_THAT(Error("? [a, b]\n: c\n"), HasSubstr("top level: a key must be a word"));
}

// A comma after a top-level value made yaml-cpp's LoadAll read empty documents forever, until
// memory ran out (found by tests/fuzz/config_loader_fuzz): refused now, with the place named.
TEST_F(ConfigFileTest, JunkAfterTheDocumentIsRefusedNotLoopedOn) {
  for (std::string_view text : {"{mode: production},\n", "\"x\",", "[a], b\n", "{{[]}},"}) {
    EXPECT_THAT(Error(text), HasSubstr("invalid YAML: what follows the first document is neither "
                                       "a document nor the end of the file"))
        << text;
  }
  EXPECT_THAT(Error("{mode: production},\n"), HasSubstr("safe.yaml:1:"));
}

// The text entry parses and checks exactly as the file entry, naming the source it is given.
TEST_F(ConfigFileTest, TextEntryLoadsLikeTheFile) {
  const std::string text = "mode: development\nplugins:\n  store:\n    name: vsecm-store-k8s\n";
  StatusOr<KernelConfig> from_text = LoadKernelConfigFromText(text, "/etc/vsecm/safe.yaml", Env());
  ASSERT_TRUE(from_text.ok()) << from_text.status().ToString();
  StatusOr<KernelConfig> from_file = Load(text);
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_text->mode, Mode::kDevelopment);
  EXPECT_EQ(from_text->store.name, from_file->store.name);
  EXPECT_EQ(from_text->source, "/etc/vsecm/safe.yaml");
  EXPECT_EQ(OriginOf(*from_text, "plugins.store.name"), "/etc/vsecm/safe.yaml:4");

  env_["VSECM_SAFE_STORE_PLUGIN"] = "vsecm-store-rocksdb";
  env_["VSECM_CONFIG_FILE"] = dir_ + "/not-read.yaml";
  StatusOr<KernelConfig> overridden = LoadKernelConfigFromText(text, "inline", Env());
  ASSERT_TRUE(overridden.ok()) << overridden.status().ToString();
  EXPECT_EQ(overridden->store.name, "vsecm-store-rocksdb");

  StatusOr<KernelConfig> bad = LoadKernelConfigFromText("mode: prod\n", "inline", Env());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad.status().message(), HasSubstr("inline:1: mode:"));
}

TEST_F(ConfigFileTest, EveryErrorIsReportedAtOnce) {
  std::string message =
      Error("mode: prod\nplugins:\n  store:\n    name: ../x\naudit:\n  pth: /x\n");
  EXPECT_THAT(message, HasSubstr("3 configuration errors"));
  EXPECT_THAT(message, HasSubstr("audit.pth"));
}

TEST_F(ConfigFileTest, UnreadableFilesNameThePath) {
  StatusOr<KernelConfig> missing = LoadKernelConfig(dir_ + "/nope.yaml", Env());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir_ + "/nope.yaml"));

  StatusOr<KernelConfig> directory = LoadKernelConfig(dir_, Env());
  ASSERT_FALSE(directory.ok());
  EXPECT_THAT(directory.status().message(), HasSubstr(dir_ + ": not a regular file"));

  env_["VSECM_CONFIG_FILE"] = dir_ + "/gone.yaml";
  StatusOr<KernelConfig> from_env = LoadKernelConfig("", Env());
  ASSERT_FALSE(from_env.ok());
  EXPECT_THAT(from_env.status().message(), HasSubstr("gone.yaml"));
}

TEST_F(ConfigFileTest, EveryKeyIsDocumented) {
  std::ifstream in(std::string(VSECM_SOURCE_DIR) + "/docs/CONFIGURATION.md");
  ASSERT_TRUE(in.good()) << "docs/CONFIGURATION.md is missing";
  std::stringstream text;
  text << in.rdbuf();
  for (const ConfigKeyInfo& key : KernelConfigKeys()) {
    EXPECT_THAT(text.str(), HasSubstr("`" + std::string(key.key) + "`"));
    if (!key.env.empty()) {
      EXPECT_THAT(text.str(), HasSubstr("`" + std::string(key.env) + "`"));
    }
  }
  for (const char* env :
       {"VSECM_CONFIG_FILE", "VSECM_SAFE_FIPS_COMPLIANT", "VSECM_SAFE_BACKING_STORE"}) {
    EXPECT_THAT(text.str(), HasSubstr(env));
  }
}

}  // namespace
}  // namespace vsecm::kernel
