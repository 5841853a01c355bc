// Starting the kernel from configuration: every failure names the key it came from.
#include "vsecm/kernel/safe_kernel.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kernel_fixture.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using vsecm::testing::CopyFile;
using vsecm::testing::FixturePlugin;
using vsecm::testing::ProductPlugin;
using vsecm::testing::Setting;
using vsecm::testing::TempDir;

class SafeKernelConfigTest : public ::testing::Test {
 protected:
  SafeKernelConfigTest() {
    CopyFile(ProductPlugin("vsecm-crypto-aes"), plugins_ / "vsecm-crypto-aes.so");
    CopyFile(FixturePlugin("recording-store"), plugins_ / "recording-store.so");
    CopyFile(FixturePlugin("test-wrong-kind"), plugins_ / "test-wrong-kind.so");
    config_.plugin_directory = plugins_.path();
    config_.crypto.name = "vsecm-crypto-aes";
    config_.store.name = "recording-store";
    config_.store.settings["directory"] = Setting(store_.path());
  }

  Status Start() {
    SafeKernel::Options options;
    options.env = [](const char*) { return std::optional<std::string>(); };
    options.audit = std::make_unique<MemoryAuditSink>();
    return SafeKernel::Create(config_, std::move(options)).status();
  }

  TempDir plugins_, store_;
  KernelConfig config_;
};

TEST_F(SafeKernelConfigTest, StartsWithAValidConfiguration) { EXPECT_TRUE(Start().ok()); }

TEST_F(SafeKernelConfigTest, AMissingPluginNamesItsKey) {
  config_.store.name = "vsecm-store-nowhere";
  Status s = Start();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_THAT(s.message(), HasSubstr("plugins.store.name \"vsecm-store-nowhere\""));
  EXPECT_THAT(s.message(), HasSubstr("no such plugin file"));
}

TEST_F(SafeKernelConfigTest, APluginOfAnotherKindIsRefused) {
  config_.store.name = "test-wrong-kind";
  EXPECT_THAT(Start().message(), HasSubstr("is a transform plugin, expected a store plugin"));
}

TEST_F(SafeKernelConfigTest, APinMismatchIsRefused) {
  config_.crypto.sha256 = std::string(64, '0');
  Status s = Start();
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(s.message(), HasSubstr("plugins.crypto.name"));
  EXPECT_THAT(s.message(), HasSubstr("the configuration pins 000000"));
}

TEST_F(SafeKernelConfigTest, AnUnknownPluginSettingNamesTheKey) {
  config_.store.settings["directroy"] = Setting("/tmp/x");
  Status s = Start();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(s.message(), HasSubstr("plugins.store.config.directroy"));
}

TEST_F(SafeKernelConfigTest, AMissingRequiredSettingNamesTheKey) {
  config_.store.settings.erase("directory");
  EXPECT_THAT(Start().message(), HasSubstr("plugins.store.config.directory"));
}

TEST_F(SafeKernelConfigTest, AWrongTypeNamesTheKey) {
  config_.store.settings["put_delay_ms"] = Setting("soon");
  EXPECT_THAT(Start().message(), HasSubstr("plugins.store.config.put_delay_ms"));
}

TEST_F(SafeKernelConfigTest, AFailingCreateIsReportedNotCrashed) {
  CopyFile(FixturePlugin("test-failing-create"), plugins_ / "test-failing-create.so");
  config_.store.name = "test-failing-create";
  config_.store.settings.clear();
  EXPECT_THAT(Start().message(), HasSubstr("cannot reach the backing service"));
}

TEST(SafeKernelRootKeyTest, EachCryptoPluginGetsOnlyItsPart) {
  vsecm::testing::KernelFixture age("vsecm-crypto-age"), aes("vsecm-crypto-aes");
  ASSERT_OK(age.Start());
  ASSERT_OK(aes.Start());
  EXPECT_EQ(age.kernel().crypto().algorithm(), "age");
  EXPECT_EQ(aes.kernel().crypto().algorithm(), "aes-256-gcm");
}

}  // namespace
}  // namespace vsecm::kernel
