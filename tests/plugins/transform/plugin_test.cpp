// vsecm-transform.so loaded the way the Safe loads it (LoadPluginLibrary, PluginInstance,
// TransformProvider), including a canary check that no error carries the secret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "vsecm/kernel/plugin_instance.hpp"
#include "vsecm/kernel/plugin_library.hpp"
#include "vsecm/kernel/providers.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string PluginFile() { return std::string(VSECM_TEST_PLUGIN_DIR) + "/vsecm-transform.so"; }

std::unique_ptr<TransformProvider> Load(PluginSettings settings = {}) {
  PluginLoadOptions options;
  options.expected_kind = VSECM_KIND_TRANSFORM;
  options.expected_name = "vsecm-transform";
  options.trust = PluginTrust::kDevelopment;  // the build tree need not be root-owned
  auto lib = LoadPluginLibrary(PluginFile(), options);
  EXPECT_TRUE(lib.ok()) << lib.status().ToString();
  if (!lib.ok()) return nullptr;
  auto instance = PluginInstance::Create(*lib, std::move(settings));
  EXPECT_TRUE(instance.ok()) << instance.status().ToString();
  if (!instance.ok()) return nullptr;
  return std::make_unique<TransformProvider>(std::move(instance).value());
}

std::span<const uint8_t> Bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

constexpr std::string_view kValue = R"({"username":"admin","password":"CANARY-9f8e7d"})";

TEST(TransformPluginTest, DescribesItself) {
  PluginLoadOptions options;
  options.trust = PluginTrust::kDevelopment;
  auto lib = LoadPluginLibrary(PluginFile(), options);
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ((*lib)->kind(), VSECM_KIND_TRANSFORM);
  EXPECT_TRUE((*lib)->descriptor().flags & VSECM_PLUGIN_FLAG_THREAD_SAFE);
  EXPECT_EQ((*lib)->descriptor().config_field_count, 5u);
}

TEST(TransformPluginTest, RendersEveryFormat) {
  auto t = Load();
  ASSERT_NE(t, nullptr);
  const std::string tmpl = R"({"USER":"{{.username}}","PASS":"{{.password}}"})";
  auto json = t->Apply(Bytes(kValue), tmpl, "json");
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(json->ExposeText(), R"({"USER":"admin","PASS":"CANARY-9f8e7d"})");
  auto yaml = t->Apply(Bytes(kValue), tmpl, "yaml");
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ(yaml->ExposeText(), "PASS: CANARY-9f8e7d\nUSER: admin\n");
  auto raw = t->Apply(Bytes(kValue), "{{.username}}", "raw");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->ExposeText(), "admin");
  auto b64 = t->Apply(Bytes(kValue), "{{.username}}", "raw+base64");
  ASSERT_TRUE(b64.ok());
  EXPECT_EQ(b64->ExposeText(), "YWRtaW4=");
  auto passthrough = t->Apply(Bytes("not json at all"), "{{.username}}", "yaml");
  ASSERT_TRUE(passthrough.ok());
  EXPECT_EQ(passthrough->ExposeText(), "not json at all");
}

TEST(TransformPluginTest, ErrorsNameThePositionAndNeverTheValue) {
  auto t = Load();
  ASSERT_NE(t, nullptr);
  const char* bad[] = {"{{.password", "{{.password.x}}", "{{range .password}}{{end}}", "{{index .password 99}}",
                       "{{printf .password}}{{len 3}}", "{{eq .password 1}}", "{{nope}}"};
  for (const char* tmpl : bad) {
    auto r = t->Apply(Bytes(kValue), tmpl, "json");
    ASSERT_FALSE(r.ok()) << tmpl;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << tmpl;
    EXPECT_THAT(r.status().message(), HasSubstr("vsecm-transform: apply: template: secret:1:")) << tmpl;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("CANARY"))) << tmpl;
    EXPECT_THAT(r.status().message(), Not(HasSubstr("9f8e7d"))) << tmpl;
  }
  auto format = t->Apply(Bytes(kValue), "", "toml");
  EXPECT_THAT(format.status().message(), HasSubstr("unknown format \"toml\""));
}

TEST(TransformPluginTest, ConfiguredLimitsApply) {
  auto t = Load({{"max_output_bytes", "16"}, {"max_iterations", "5"}});
  ASSERT_NE(t, nullptr);
  auto big = t->Apply(Bytes(kValue), "{{.password}}{{.password}}", "raw");
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(big.status().message(), HasSubstr("max_output_bytes (16)"));
  auto loops = t->Apply(Bytes(kValue), "{{range 6}}{{end}}", "raw");
  EXPECT_THAT(loops.status().message(), HasSubstr("max_iterations (5)"));
}

TEST(TransformPluginTest, RefusesAZeroLimit) {
  PluginLoadOptions options;
  options.trust = PluginTrust::kDevelopment;
  auto lib = LoadPluginLibrary(PluginFile(), options);
  ASSERT_TRUE(lib.ok());
  auto instance = PluginInstance::Create(*lib, {{"max_depth", "0"}});
  ASSERT_FALSE(instance.ok());
  EXPECT_THAT(instance.status().message(), HasSubstr("max_depth must be between 1 and 256, got 0"));
}

TEST(TransformPluginTest, ConcurrentCallsOnOneInstance) {
  auto t = Load();
  ASSERT_NE(t, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&, k] {
      for (int i = 0; i < 200; ++i) {
        std::string value = R"({"n":)" + std::to_string(k * 1000 + i) + "}";
        auto r = t->Apply(Bytes(value), "{{.n}}", "raw");
        if (!r.ok() || r->ExposeText() != std::to_string(k * 1000 + i)) ++failures[static_cast<size_t>(k)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

}  // namespace
}  // namespace vsecm::kernel
