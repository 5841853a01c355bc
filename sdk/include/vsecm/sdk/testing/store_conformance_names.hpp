// Conformance cases: record names. Every name the kernel allows must round-trip exactly;
// names outside the rules must be refused without touching anything stored. Included by
// store_conformance.hpp; do not include directly.
#ifndef VSECM_SDK_TESTING_STORE_CONFORMANCE_NAMES_HPP_
#define VSECM_SDK_TESTING_STORE_CONFORMANCE_NAMES_HPP_

#include <string>
#include <vector>

namespace vsecm::sdk::testing {

// Names the kernel accepts (1-250 bytes of [A-Za-z0-9._:@+=,-], not starting with '.'),
// chosen to trip stores that map names onto paths, keys or URLs.
inline std::vector<std::string> AllowedNamesForConformance() {
  std::vector<std::string> names = {
      "a",
      "Z",
      "0",
      "k8s:ns-1.app_x@v=1,a+b",
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:@+=,-",
      "Secret",
      "secret",  // names are case-sensitive
      "a..b",
      "trailing.",
      "-leading-dash",
      "x.age",
      "x.age.backup.1",
      "x.tmp",
      "raw:db",
      "gen:pattern",
      "a=b+c,d@e:f",
      "CON",  // reserved on other platforms' file systems
      "nul",
  };
  names.push_back(std::string(250, 'n'));
  std::string mixed;
  static constexpr char kChars[] = "aZ09._:@+=,-";
  for (int i = 0; mixed.size() < 250; ++i) mixed.push_back(kChars[i % (sizeof kChars - 1)]);
  names.push_back(mixed);
  names.push_back(std::string(249, 'n'));  // a prefix of the 250-byte name
  return names;
}

// Names a store must refuse (VSECM_INVALID_ARGUMENT) if it is ever handed them, though the
// kernel never does: path separators, dot names, control bytes, embedded NUL, empty.
inline std::vector<std::string> RefusedNamesForConformance() {
  using namespace std::string_literals;
  return {""s,
          "."s,
          ".."s,
          "/"s,
          "a/b"s,
          "/etc/passwd"s,
          "../victim"s,
          "./victim"s,
          "victim/"s,
          "victim/."s,
          "x/../victim"s,
          "a\\b"s,
          "..\\victim"s,
          "victim\\"s,
          "victim\0"s,
          "victim\0x"s,
          "\0"s,
          "a\nb"s,
          "victim\n"s,
          "a\rb"s,
          "a\tb"s,
          "\x1b[31m"s,
          "a\x7f"s,
          "\x01"s};
}

inline std::string Printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return "\"" + out + "\"";
}

TEST_P(StoreConformanceTest, NamesWithEveryAllowedCharacterRoundTrip) {
  std::vector<std::string> names = AllowedNamesForConformance();
  for (size_t i = 0; i < names.size(); ++i) {
    Status s = store().Put(names[i], PatternBytes(64, 100 + i));
    ASSERT_TRUE(s.ok()) << "put " << Printable(names[i]) << ": " << s.ToString();
  }
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(Printable(names[i]));
    ExpectValue(names[i], PatternBytes(64, 100 + i));
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(SortedList(), names);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(SortedList(), names);
  for (const std::string& n : names) {
    Status s = store().Remove(n);
    EXPECT_TRUE(s.ok()) << "remove " << Printable(n) << ": " << s.ToString();
  }
  EXPECT_TRUE(SortedList().empty());
}

TEST_P(StoreConformanceTest, RefusesNamesOutsideTheRulesAndWritesNothing) {
  const Bytes victim = ToBytes("the victim's value");
  ASSERT_TRUE(store().Put("victim", victim).ok());
  for (const std::string& name : RefusedNamesForConformance()) {
    SCOPED_TRACE(Printable(name));
    Status put = store().Put(name, ToBytes("attacker"));
    EXPECT_EQ(put.code(), StatusCode::kInvalidArgument) << put.ToString();
    EXPECT_NE(put.message(), "put: (the plugin gave no message)");
    auto got = store().Get(name);
    EXPECT_TRUE(got.status().code() == StatusCode::kInvalidArgument ||
                got.status().code() == StatusCode::kNotFound)
        << "get: " << got.status().ToString();
    Status removed = store().Remove(name);
    EXPECT_TRUE(removed.ok() || removed.code() == StatusCode::kInvalidArgument)
        << "remove: " << removed.ToString();
  }
  EXPECT_EQ(SortedList(), std::vector<std::string>{"victim"});
  ExpectValue("victim", victim);
  ASSERT_NO_FATAL_FAILURE(Open());
  EXPECT_EQ(SortedList(), std::vector<std::string>{"victim"});
  ExpectValue("victim", victim);
}

}  // namespace vsecm::sdk::testing

#endif  // VSECM_SDK_TESTING_STORE_CONFORMANCE_NAMES_HPP_
