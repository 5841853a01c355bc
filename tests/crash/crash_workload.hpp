// The crash harness's workload, shared by the writer process and the test that checks what
// survived: which name and value the writer's i-th upsert carries, and how a value is digested.
// Values are derived from the counter alone, so the checker can regenerate any of them.
#ifndef VSECM_TESTS_CRASH_CRASH_WORKLOAD_HPP_
#define VSECM_TESTS_CRASH_CRASH_WORKLOAD_HPP_

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <span>
#include <string>

#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/secure_memory.hpp"

namespace vsecm::crash {

// The writer cycles over this many names, so names are overwritten again and again.
inline constexpr uint64_t kDefaultNameCount = 16;

inline std::string NameFor(uint64_t counter, uint64_t name_count) {
  return "crash-" + std::to_string(counter % name_count);
}

// 24 to ~6 KB of printable bytes, a different length and content for every counter.
inline kernel::SecretBytes ValueFor(uint64_t counter) {
  const std::string head = "value-" + std::to_string(counter) + ":";
  kernel::SecretBytes value(head.size() + 16 + (counter * 7919) % 6000);
  auto out = value.Mutable();
  std::copy(head.begin(), head.end(), out.begin());
  uint64_t x = counter * 0x9e3779b97f4a7c15ULL + 1;
  for (size_t i = head.size(); i < out.size(); ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<uint8_t>('a' + x % 26);
  }
  return value;
}

// First 16 hex digits of the value's SHA-256: what an ACK line carries.
inline std::string Digest(std::span<const uint8_t> value) {
  uint8_t md[32];
  unsigned int len = 0;
  EVP_Digest(value.data(), value.size(), md, &len, EVP_sha256(), nullptr);
  char hex[17];
  for (int i = 0; i < 8; ++i) std::snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return std::string(hex, 16);
}

// A store setting given as text, typed the way a YAML file would type it.
inline kernel::ConfigValue SettingValue(const std::string& text) {
  using Kind = kernel::ConfigValue::Kind;
  Kind kind = Kind::kString;
  if (text == "true" || text == "false") {
    kind = Kind::kBoolean;
  } else if (!text.empty() && text.find_first_not_of("0123456789", text[0] == '-' ? 1 : 0) ==
                                  std::string::npos && text != "-") {
    kind = Kind::kInteger;
  }
  return kernel::ConfigValue{text, kind, "crash harness"};
}

inline kernel::KernelConfig CrashKernelConfig(const std::string& plugin_dir,
                                              const std::string& store,
                                              const std::map<std::string, std::string>& settings) {
  kernel::KernelConfig config;
  config.plugin_directory = plugin_dir;
  config.crypto.name = "vsecm-crypto-aes";
  config.store.name = store;
  for (const auto& [key, value] : settings) config.store.settings[key] = SettingValue(value);
  return config;
}

}  // namespace vsecm::crash

#endif  // VSECM_TESTS_CRASH_CRASH_WORKLOAD_HPP_
