// The store conformance suite: what every VSecM store plugin must do, as GoogleTest cases that
// run against the plugin's .so through the C ABI, with no Safe kernel involved.
//
// HOW TO USE
//   1. In ONE .cpp of a GoogleTest binary (the cases are defined in this header), describe how
//      to get an empty store for each test, and instantiate the suite:
//
//        #include "vsecm/sdk/testing/store_conformance.hpp"
//        namespace t = vsecm::sdk::testing;
//        VSECM_STORE_CONFORMANCE_SUITE(AcmeStore, [] {
//          return t::StoreConformanceOptions::ForTempDir(
//              "acme", "/path/to/acme-store.so", {{"dir", "@TEMPDIR@/data"}, {"mode", "fast"}});
//        });
//
//      Every value "@TEMPDIR@" in the settings becomes a fresh mkdtemp() directory per test,
//      removed afterwards. Stores that need more (a fake server, a database) implement
//      StoreSandbox and set `make_sandbox` themselves.
//   2. Link GTest::gtest_main (or your own main) and ${CMAKE_DL_LIBS}; run the binary.
//      Or, with the installed SDK, let CMake do all of it:
//        include(${VSecMSDK_DIR}/VSecMStoreConformance.cmake)
//        vsecm_add_store_conformance_test(acme_conformance PLUGIN acme-store
//                                         SETTINGS dir=@TEMPDIR@/data mode=fast)
//   3. The crash case (RecoversFromACrashBetweenWriteAndPublish) needs to know how the store
//      stages a write: pass `crash_hook` to ForTempDir (or override
//      StoreSandbox::LeaveUnpublishedWrite). Stores without such a window are skipped with the
//      reason they give.
//
// WHAT IS CHECKED (one TEST_P each, in store_conformance_{basic,names,durability}.hpp)
//   descriptor sanity; put/get/overwrite/remove/list; empty, 10 MiB and all-256-byte values;
//   every name the kernel allows ([A-Za-z0-9._:@+=,-], 1-250 bytes); refusal with
//   VSECM_INVALID_ARGUMENT of names with path separators, "..", ".", control bytes, NUL, or
//   empty, without touching any stored record; get of a missing name is NOT_FOUND, remove of one
//   is OK; 8 concurrent writers and readers with no torn values; reopen (destroy + create on the
//   same settings) keeps everything; recovery after a crash between write and publish; set_key
//   (when the plugin has it) is called with a fixed 32-byte key before anything else, and again
//   without losing data; every secure_alloc block is returned by destroy.
//
// Set VSECM_FAKE_HOST_ECHO_LOGS=1 to see the plugin's log lines on stderr.
#ifndef VSECM_SDK_TESTING_STORE_CONFORMANCE_HPP_
#define VSECM_SDK_TESTING_STORE_CONFORMANCE_HPP_

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "vsecm/sdk/testing/store_harness.hpp"

namespace vsecm::sdk::testing {

// One test's private, empty store medium. Destroyed (and cleaned up) after the test.
class StoreSandbox {
 public:
  virtual ~StoreSandbox() = default;
  // The plugin settings that point an instance at this sandbox.
  virtual Settings settings() const = 0;
  // Called while no instance is open: leave behind exactly what a crash of put(name, value)
  // after writing (part of) the data and before publishing it would leave. Return
  // kUnimplemented with the reason when the store has no such window; the case is skipped.
  virtual Status LeaveUnpublishedWrite(std::string_view /*name*/,
                                       std::span<const uint8_t> /*value*/) {
    return Status(StatusCode::kUnimplemented, "this store declares no crash window to simulate");
  }
};

// Simulates a crash for a store whose medium is a directory: (directory, name, value).
using CrashHook = std::function<Status(const std::string& dir, std::string_view name,
                                       std::span<const uint8_t> value)>;

// A fresh mkdtemp() directory; "@TEMPDIR@" in setting values is replaced by its path.
class TempDirSandbox : public StoreSandbox {
 public:
  explicit TempDirSandbox(Settings settings_template, CrashHook crash_hook = nullptr)
      : crash_hook_(std::move(crash_hook)) {
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "vsecm-conformance-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) != nullptr) dir_ = tmpl;
    for (auto& [key, value] : settings_template) {
      for (size_t at; (at = value.find("@TEMPDIR@")) != std::string::npos;) {
        value.replace(at, 9, dir_);
      }
      settings_[key] = value;
    }
  }
  ~TempDirSandbox() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  const std::string& dir() const noexcept { return dir_; }
  Settings settings() const override { return settings_; }
  Status LeaveUnpublishedWrite(std::string_view name, std::span<const uint8_t> value) override {
    if (!crash_hook_) return StoreSandbox::LeaveUnpublishedWrite(name, value);
    return crash_hook_(dir_, name, value);
  }

 private:
  std::string dir_;
  Settings settings_;
  CrashHook crash_hook_;
};

struct StoreConformanceOptions {
  std::string label;        // the test-name suffix: letters, digits, '_'
  std::string plugin_path;  // the .so under test
  std::function<std::unique_ptr<StoreSandbox>()> make_sandbox;
  // The large-value case. A store with a smaller hard limit sets its own (a Kubernetes Secret
  // holds at most 1 MiB) and says so in its documentation.
  size_t large_value_bytes = size_t{10} << 20;
  int threads = 8;          // concurrent writers and readers
  int ops_per_thread = 24;  // half puts, the rest gets and lists

  static StoreConformanceOptions ForTempDir(std::string label, std::string plugin_path,
                                            Settings settings, CrashHook crash_hook = nullptr) {
    StoreConformanceOptions o;
    o.label = std::move(label);
    o.plugin_path = std::move(plugin_path);
    o.make_sandbox = [settings = std::move(settings), crash_hook = std::move(crash_hook)] {
      return std::make_unique<TempDirSandbox>(settings, crash_hook);
    };
    return o;
  }
};

inline void PrintTo(const StoreConformanceOptions& o, std::ostream* os) {
  *os << o.label;
}
inline std::string StoreConformanceName(
    const ::testing::TestParamInfo<StoreConformanceOptions>& info) {
  return info.param.label.empty() ? "store" + std::to_string(info.index) : info.param.label;
}

class StoreConformanceTest : public ::testing::TestWithParam<StoreConformanceOptions> {
 protected:
  void SetUp() override {
    auto library = StoreLibrary::Open(GetParam().plugin_path);
    ASSERT_TRUE(library.ok()) << library.status().ToString();
    library_ = *library;
    ASSERT_TRUE(GetParam().make_sandbox) << "StoreConformanceOptions.make_sandbox is not set";
    sandbox_ = GetParam().make_sandbox();
    ASSERT_NO_FATAL_FAILURE(Open());
  }
  void TearDown() override {
    store_.reset();
    sandbox_.reset();
  }

  // (Re)creates the instance on the sandbox's settings; the old one is destroyed first.
  void Open() {
    store_.reset();
    auto store = StoreHarness::Create(*library_, sandbox_->settings());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void Close() { store_.reset(); }

  StoreHarness& store() { return *store_; }
  StoreSandbox& sandbox() { return *sandbox_; }
  const StoreLibrary& library() { return *library_; }

  // Asserts Get(name) succeeds with exactly `expected`.
  void ExpectValue(std::string_view name, const Bytes& expected) {
    auto got = store_->Get(name);
    ASSERT_TRUE(got.ok()) << "get " << name << ": " << got.status().ToString();
    EXPECT_EQ(got->size(), expected.size()) << "get " << name;
    EXPECT_TRUE(*got == expected) << "get " << name << " returned different bytes";
  }
  std::vector<std::string> SortedList() {
    auto names = store_->List();
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    if (!names.ok()) return {};
    std::sort(names->begin(), names->end());
    return *names;
  }

  std::unique_ptr<StoreHarness> store_;

 private:
  const StoreLibrary* library_ = nullptr;
  std::unique_ptr<StoreSandbox> sandbox_;
};

}  // namespace vsecm::sdk::testing

// Instantiates the whole suite for one store. The second argument is a callable returning
// StoreConformanceOptions (it may contain commas). Use at namespace scope.
#define VSECM_STORE_CONFORMANCE_SUITE(SuiteName, ...)                                   \
  using ::vsecm::sdk::testing::StoreConformanceTest;                                    \
  INSTANTIATE_TEST_SUITE_P(SuiteName, StoreConformanceTest,                             \
                           ::testing::Values((__VA_ARGS__)()),                          \
                           ::vsecm::sdk::testing::StoreConformanceName)

#include "vsecm/sdk/testing/store_conformance_basic.hpp"
#include "vsecm/sdk/testing/store_conformance_durability.hpp"
#include "vsecm/sdk/testing/store_conformance_names.hpp"

#endif  // VSECM_SDK_TESTING_STORE_CONFORMANCE_HPP_
