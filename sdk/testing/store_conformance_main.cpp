// The store conformance suite as a ready-made program, for vsecm_add_store_conformance_test():
//
//   store_conformance --plugin=/path/acme-store.so [--setting=key=value]... [gtest flags]
//
// "@TEMPDIR@" in a setting's value becomes a fresh temporary directory per test. The crash case
// is skipped here (it needs the store's own hook: see store_conformance.hpp).
#include <cctype>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "vsecm/sdk/testing/store_conformance.hpp"

namespace {

namespace t = vsecm::sdk::testing;

std::vector<t::StoreConformanceOptions>& RunnerOptions() {
  static std::vector<t::StoreConformanceOptions> options;
  return options;
}

}  // namespace

using vsecm::sdk::testing::StoreConformanceTest;
INSTANTIATE_TEST_SUITE_P(Store, StoreConformanceTest, ::testing::ValuesIn(RunnerOptions()),
                         t::StoreConformanceName);

int main(int argc, char** argv) {
  std::string plugin;
  t::Settings settings;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--plugin=", 0) == 0) {
      plugin = arg.substr(9);
    } else if (arg.rfind("--setting=", 0) == 0) {
      std::string kv = arg.substr(10);
      size_t eq = kv.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "--setting wants key=value, got \"%s\"\n", kv.c_str());
        return 2;
      }
      settings[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (plugin.empty()) {
    std::fprintf(stderr, "usage: %s --plugin=<store .so> [--setting=key=value]... [gtest flags]\n",
                 argv[0]);
    return 2;
  }
  std::string label = plugin.substr(plugin.find_last_of('/') + 1);
  label = label.substr(0, label.find('.'));
  for (char& c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  RunnerOptions().push_back(t::StoreConformanceOptions::ForTempDir(label, plugin, settings));
  int rest_argc = static_cast<int>(rest.size());
  ::testing::InitGoogleTest(&rest_argc, rest.data());
  return RUN_ALL_TESTS();
}
