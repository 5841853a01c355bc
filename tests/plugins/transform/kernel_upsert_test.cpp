// The plugin inside a real kernel: a secret registered with a template and format is served
// rendered, and an upsert whose template does not parse or execute is refused, names the
// position, carries no secret, and leaves the stored secret as it was.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "../../kernel/kernel_fixture.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using vsecm::testing::CopyFile;
using vsecm::testing::FixturePlugin;
using vsecm::testing::ProductPlugin;
using vsecm::testing::Setting;
using vsecm::testing::TempDir;

class TransformKernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CopyFile(ProductPlugin("vsecm-crypto-aes"), plugins_ / "vsecm-crypto-aes.so");
    CopyFile(FixturePlugin("recording-store"), plugins_ / "recording-store.so");
    CopyFile(ProductPlugin("vsecm-transform"), plugins_ / "vsecm-transform.so");
    KernelConfig config;
    config.plugin_directory = plugins_.path();
    config.crypto.name = "vsecm-crypto-aes";
    config.store.name = "recording-store";
    config.store.settings["directory"] = Setting(store_.path());
    config.transform = PluginSelection{"vsecm-transform", {}, {}};
    SafeKernel::Options options;
    options.env = [](const char*) { return std::optional<std::string>(); };
    options.audit = std::make_unique<MemoryAuditSink>();
    auto k = SafeKernel::Create(config, std::move(options));
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    auto key = RootKey::Parse({reinterpret_cast<const uint8_t*>(vsecm::testing::kTestRootKey),
                               std::strlen(vsecm::testing::kTestRootKey)});
    ASSERT_TRUE(key.ok());
    ASSERT_TRUE((*k)->InstallRootKey(*key).ok());
    kernel_ = std::move(k).value();
  }

  Status Upsert(const std::string& tmpl, const std::string& format) {
    UpsertRequest request;
    request.workloads = {"billing"};
    request.values.push_back(SecretBytes::CopyOf(R"({"user":"admin","pass":"CANARY-5b4a"})"));
    request.template_text = tmpl;
    request.format = format;
    return kernel_->registry().Upsert(caller_, request);
  }
  std::string Served() {
    auto view = kernel_->registry().Read(caller_, "billing");
    return view.ok() ? std::string(view->data.ExposeText()) : "<" + view.status().ToString() + ">";
  }

  TempDir plugins_, store_;
  std::unique_ptr<SafeKernel> kernel_;
  Caller caller_{"spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/t", ""};
};

TEST_F(TransformKernelTest, ServesTheRenderedSecret) {
  ASSERT_TRUE(Upsert(R"({"USER":"{{.user}}","PASS":"{{.pass}}"})", "yaml").ok());
  EXPECT_EQ(Served(), "PASS: CANARY-5b4a\nUSER: admin\n");
  ASSERT_TRUE(Upsert("{{.user}}:{{.pass}}", "raw").ok());
  EXPECT_EQ(Served(), "admin:CANARY-5b4a");
  ASSERT_TRUE(Upsert("", "").ok());
  EXPECT_EQ(Served(), R"({"user":"admin","pass":"CANARY-5b4a"})");
}

TEST_F(TransformKernelTest, ABadTemplateIsRefusedAndChangesNothing) {
  ASSERT_TRUE(Upsert("{{.user}}", "raw").ok());
  for (const char* bad : {"{{.user", "{{.pass.x}}", "{{range .pass}}{{end}}"}) {
    Status s = Upsert(bad, "json");
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_THAT(s.message(), HasSubstr("template: secret:1:")) << bad;
    EXPECT_THAT(s.message(), Not(HasSubstr("CANARY"))) << bad;
    EXPECT_EQ(Served(), "admin") << bad;
  }
}

}  // namespace
}  // namespace vsecm::kernel
