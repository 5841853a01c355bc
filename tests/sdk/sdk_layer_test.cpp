// The header-only C++ layer: what a plugin author writes becomes a correct C descriptor, and
// anything thrown inside plugin code becomes a status code at the boundary. Also freezes the
// ABI's struct layouts: changing one of these numbers breaks every plugin already built.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/plugin.hpp"

extern "C" int vsecm_abi_c11_check(void);  // abi_c11_check.c, compiled as strict C11

namespace {

using ::testing::HasSubstr;

// ---- ABI 1.0 layout (x86-64 / aarch64 LP64). Append-only: a new field goes at the end.
static_assert(sizeof(vsecm_bytes) == 16);
static_assert(sizeof(vsecm_error) == 16);
static_assert(offsetof(vsecm_sink, append) == 16);
static_assert(offsetof(vsecm_plugin_descriptor, kind) == 8);
static_assert(offsetof(vsecm_plugin_descriptor, name) == 16);
static_assert(offsetof(vsecm_plugin_descriptor, config_fields) == 40);
static_assert(offsetof(vsecm_plugin_descriptor, create) == 56);
static_assert(offsetof(vsecm_plugin_descriptor, functions) == 72);
static_assert(sizeof(vsecm_plugin_descriptor) == 112);
static_assert(offsetof(vsecm_host_api, ctx_host) == 8);
static_assert(offsetof(vsecm_host_api, log) == 16);
static_assert(offsetof(vsecm_host_api, now_unix_ms) == 56);
static_assert(sizeof(vsecm_host_api) == 128);
static_assert(offsetof(vsecm_config_field, env) == 24);
static_assert(offsetof(vsecm_crypto_v1, decrypt) == 32);
static_assert(offsetof(vsecm_store_v1, list) == 32);
static_assert(offsetof(vsecm_store_v1, set_key) == 40);
static_assert(offsetof(vsecm_transform_v1, apply) == 8);

class Thrower final : public vsecm::sdk::StorePlugin {
 public:
  static constexpr const char* kName = "thrower";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription = "throws";
  static constexpr vsecm_config_field kConfig[] = {
      {"mode", VSECM_CONFIG_STRING, 0, "ok", nullptr, "how to fail"}};
  explicit Thrower(vsecm::sdk::Host host) : StorePlugin(host) {}

  vsecm::Status Put(std::string_view name, vsecm::sdk::ByteView) override {
    if (name == "std") throw std::runtime_error("disk on fire");
    if (name == "status") throw vsecm::StatusError(vsecm::DataLoss("record 7 is torn"));
    if (name == "int") throw 42;
    if (name == "long") return vsecm::InvalidArgument(std::string(1000, 'x'));
    return vsecm::Status::Ok();
  }
  vsecm::Status Get(std::string_view, vsecm::sdk::Sink& out) override {
    out.Append(size_t{1} << 40);  // the host refuses; Append throws
    return vsecm::Status::Ok();
  }
  vsecm::Status Remove(std::string_view) override { return vsecm::Status::Ok(); }
  vsecm::Status List(const std::function<vsecm::Status(std::string_view)>& visit) override {
    VSECM_RETURN_IF_ERROR(visit("a"));
    return visit("b");
  }
};

const vsecm_plugin_descriptor* Descriptor() {
  return vsecm::sdk::detail::Exported<Thrower>::Descriptor();
}

struct Called {
  vsecm_status status;
  std::string message;
};

Called PutCall(void* instance, const char* name) {
  char buf[64];
  vsecm_error err{buf, sizeof buf, 0};
  auto* table = static_cast<const vsecm_store_v1*>(Descriptor()->functions);
  vsecm_status s = table->put(instance, {reinterpret_cast<const uint8_t*>(name), std::strlen(name)},
                              {nullptr, 0}, &err);
  return {s, std::string(buf, err.len)};
}

vsecm_host_api FakeHost() {
  vsecm_host_api api{};
  api.struct_size = sizeof api;
  api.abi_major = VSECM_ABI_VERSION_MAJOR;
  api.log = [](void*, int32_t, const char*, size_t) {};
  api.random_bytes = [](void*, uint8_t*, size_t) -> vsecm_status { return VSECM_OK; };
  api.secure_alloc = [](void*, size_t n) { return vsecm::kernel::SecureAlloc(n); };
  api.secure_free = [](void*, uint8_t* p, size_t n) { vsecm::kernel::SecureFree(p, n); };
  api.config_get = [](void*, const char*, vsecm_bytes*) -> vsecm_status { return VSECM_NOT_FOUND; };
  api.now_unix_ms = [](void*) -> uint64_t { return 0; };
  return api;
}

TEST(SdkLayerTest, TheMacroBuildsACompleteDescriptor) {
  const vsecm_plugin_descriptor* d = Descriptor();
  EXPECT_EQ(d->struct_size, sizeof(vsecm_plugin_descriptor));
  EXPECT_EQ(d->abi_major, VSECM_ABI_VERSION_MAJOR);
  EXPECT_EQ(d->kind, VSECM_KIND_STORE);
  EXPECT_STREQ(d->name, "thrower");
  EXPECT_EQ(d->config_field_count, 1u);
  EXPECT_STREQ(d->config_fields[0].name, "mode");
  EXPECT_EQ(d->flags, 0u);
  EXPECT_EQ(static_cast<const vsecm_store_v1*>(d->functions)->struct_size, sizeof(vsecm_store_v1));
}

TEST(SdkLayerTest, ExceptionsBecomeStatusCodesAtTheBoundary) {
  vsecm_host_api host = FakeHost();
  void* instance = nullptr;
  ASSERT_EQ(Descriptor()->create(&host, &instance, nullptr), VSECM_OK);

  Called std_exception = PutCall(instance, "std");
  EXPECT_EQ(std_exception.status, VSECM_INTERNAL);
  EXPECT_THAT(std_exception.message, HasSubstr("disk on fire"));

  Called status_error = PutCall(instance, "status");
  EXPECT_EQ(status_error.status, VSECM_DATA_LOSS);
  EXPECT_EQ(status_error.message, "record 7 is torn");

  EXPECT_EQ(PutCall(instance, "int").status, VSECM_INTERNAL);
  EXPECT_EQ(PutCall(instance, "fine").status, VSECM_OK);

  Called truncated = PutCall(instance, "long");
  EXPECT_EQ(truncated.status, VSECM_INVALID_ARGUMENT);
  EXPECT_EQ(truncated.message.size(), 63u);  // cap 64 with the NUL

  Descriptor()->destroy(instance);
}

TEST(SdkLayerTest, ARefusedSinkBecomesResourceExhausted) {
  vsecm_host_api host = FakeHost();
  void* instance = nullptr;
  ASSERT_EQ(Descriptor()->create(&host, &instance, nullptr), VSECM_OK);
  vsecm::kernel::SecretBuilder builder(1024);
  char buf[128];
  vsecm_error err{buf, sizeof buf, 0};
  auto* table = static_cast<const vsecm_store_v1*>(Descriptor()->functions);
  EXPECT_EQ(table->get(instance, {nullptr, 0}, builder.sink(), &err), VSECM_RESOURCE_EXHAUSTED);
  EXPECT_THAT(std::string(buf, err.len), HasSubstr("the host refused"));
  Descriptor()->destroy(instance);
}

TEST(SdkLayerTest, ACreateAgainstAnOlderHostTableIsRefused) {
  vsecm_host_api host = FakeHost();
  host.struct_size = offsetof(vsecm_host_api, config_get);  // a host without the later services
  void* instance = nullptr;
  char buf[128];
  vsecm_error err{buf, sizeof buf, 0};
  EXPECT_EQ(Descriptor()->create(&host, &instance, &err), VSECM_FAILED_PRECONDITION);
  EXPECT_EQ(instance, nullptr);
}

TEST(SdkLayerTest, AbiHeadersCompileAsStrictC11) { EXPECT_EQ(vsecm_abi_c11_check(), 1); }

}  // namespace
