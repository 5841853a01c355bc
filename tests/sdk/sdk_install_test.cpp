// A third party's experience, end to end: install the SDK to a prefix, build the example
// plugin out of tree with find_package(VSecMSDK), and load the result into the kernel.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include "test_support.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/plugin_instance.hpp"
#include "vsecm/kernel/plugin_library.hpp"
#include "vsecm/kernel/providers.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using vsecm::testing::TempDir;

// Runs a shell command, returning its exit status and combined output.
int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) output->append(buf, n);
  int status = ::pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

class SdkInstallTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    work_ = new TempDir();
    const std::string prefix = *work_ / "prefix";
    const std::string build = *work_ / "example-build";
    std::string out;
    install_status_ = RunCommand(fmt::format("'{}' --install '{}' --prefix '{}' --component sdk",
                                      VSECM_CMAKE_COMMAND, VSECM_BINARY_DIR, prefix), &out);
    log_ += out;
    if (install_status_ != 0) return;
    out.clear();
    build_status_ = RunCommand(fmt::format("'{0}' -S '{1}/sdk/examples/base64-transform' -B '{2}' -G '{3}' "
                                    "-DCMAKE_PREFIX_PATH='{4}' && '{0}' --build '{2}'",
                                    VSECM_CMAKE_COMMAND, VSECM_SOURCE_DIR, build,
                                    VSECM_CMAKE_GENERATOR, prefix), &out);
    log_ += out;
    plugin_ = build + "/example-base64-transform.so";
  }
  static void TearDownTestSuite() { delete work_; }

  static inline TempDir* work_ = nullptr;
  static inline int install_status_ = -1;
  static inline int build_status_ = -1;
  static inline std::string log_;
  static inline std::string plugin_;
};

TEST_F(SdkInstallTest, InstallsHeadersAndAPackageConfiguration) {
  ASSERT_EQ(install_status_, 0) << log_;
  const std::string prefix = *work_ / "prefix";
  for (const char* f : {"include/vsecm/abi/vsecm_plugin.h", "include/vsecm/abi/vsecm_store.h",
                        "include/vsecm/sdk/plugin.hpp", "include/vsecm/sdk/status.hpp"}) {
    EXPECT_TRUE(std::filesystem::exists(prefix + "/" + f)) << f;
  }
  bool found_config = false;
  for (const auto& e : std::filesystem::recursive_directory_iterator(prefix)) {
    found_config |= e.path().filename() == "VSecMSDKConfig.cmake";
  }
  EXPECT_TRUE(found_config);
  // The SDK is headers only: nothing of the kernel is installed with it.
  EXPECT_FALSE(std::filesystem::exists(prefix + "/include/vsecm/kernel"));
}

TEST_F(SdkInstallTest, BuildsTheExampleOutOfTreeAndExportsOnlyTheEntrySymbol) {
  ASSERT_EQ(build_status_, 0) << log_;
  ASSERT_TRUE(std::filesystem::exists(plugin_));
  std::string symbols;
  ASSERT_EQ(RunCommand(fmt::format("nm -D --defined-only '{}'", plugin_), &symbols), 0) << symbols;
  EXPECT_THAT(symbols, HasSubstr(" T vsecm_plugin_entry_v1"));
  int exported = 0;
  for (size_t pos = 0; (pos = symbols.find('\n', pos)) != std::string::npos; ++pos) ++exported;
  EXPECT_EQ(exported, 1) << symbols;
}

TEST_F(SdkInstallTest, TheKernelLoadsAndRunsTheExample) {
  ASSERT_EQ(build_status_, 0) << log_;
  PluginLoadOptions options;
  options.expected_kind = VSECM_KIND_TRANSFORM;
  options.expected_name = "example-base64-transform";
  auto library = LoadPluginLibrary(plugin_, options);
  ASSERT_TRUE(library.ok()) << library.status().ToString();
  EXPECT_EQ(std::string((*library)->descriptor().version), "1.0.0");

  // Its declared setting, validated and overridden from the environment as the Safe would.
  const vsecm_plugin_descriptor& d = (*library)->descriptor();
  PluginSelection selection{"example-base64-transform", std::nullopt, {}};
  auto settings = ResolvePluginSettings(
      "plugins.transform", selection, {d.config_fields, d.config_field_count},
      [](const char* name) -> std::optional<std::string> {
        if (std::string(name) == "EXAMPLE_BASE64_PREFIX") return "b64:";
        return std::nullopt;
      });
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();

  auto instance = PluginInstance::Create(*library, *settings);
  ASSERT_TRUE(instance.ok()) << instance.status().ToString();
  TransformProvider transform(std::move(instance).value());
  const std::string value = "hello";
  auto out = transform.Apply({reinterpret_cast<const uint8_t*>(value.data()), value.size()}, "", "");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->ExposeText(), "b64:aGVsbG8=");

  auto refused = transform.Apply({reinterpret_cast<const uint8_t*>(value.data()), value.size()},
                                 "{{.x}}", "");
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("example-base64-transform: apply"));
}

}  // namespace
}  // namespace vsecm::kernel
