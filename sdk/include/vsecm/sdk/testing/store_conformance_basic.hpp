// Conformance cases: the basic contract of vsecm_store_v1. Included by store_conformance.hpp;
// do not include directly.
#ifndef VSECM_SDK_TESTING_STORE_CONFORMANCE_BASIC_HPP_
#define VSECM_SDK_TESTING_STORE_CONFORMANCE_BASIC_HPP_

#include <map>
#include <string>
#include <vector>

namespace vsecm::sdk::testing {

// Deterministic pseudo-random bytes (splitmix64), so a failing case can be reproduced.
inline Bytes PatternBytes(size_t n, uint64_t seed) {
  Bytes out(n);
  uint64_t x = seed;
  for (size_t i = 0; i < n; i += 8) {
    x += 0x9e3779b97f4a7c15ULL;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<uint8_t>(z >> (8 * j));
  }
  return out;
}

TEST_P(StoreConformanceTest, DescriptorDescribesAStore) {
  const vsecm_plugin_descriptor& d = library().descriptor();
  EXPECT_EQ(d.kind, VSECM_KIND_STORE);
  EXPECT_EQ(d.abi_major, VSECM_ABI_VERSION_MAJOR);
  EXPECT_GE(d.struct_size, offsetof(vsecm_plugin_descriptor, functions) + sizeof(void*));
  EXPECT_STRNE(d.version, "");
  ASSERT_NE(d.description, nullptr);
  EXPECT_STRNE(d.description, "");
  for (uint32_t i = 0; i < d.config_field_count; ++i) {
    const vsecm_config_field& f = d.config_fields[i];
    ASSERT_NE(f.name, nullptr);
    EXPECT_TRUE(f.type == VSECM_CONFIG_STRING || f.type == VSECM_CONFIG_INTEGER ||
                f.type == VSECM_CONFIG_BOOLEAN)
        << f.name;
    EXPECT_NE(f.help, nullptr) << f.name;
  }
  EXPECT_GE(library().table().struct_size, offsetof(vsecm_store_v1, list) + sizeof(void*));
}

TEST_P(StoreConformanceTest, PutThenGetReturnsTheSameBytes) {
  const Bytes value = PatternBytes(1000, 1);
  ASSERT_TRUE(store().Put("db-password", value).ok());
  ExpectValue("db-password", value);
}

TEST_P(StoreConformanceTest, OverwriteReplacesTheValue) {
  const Bytes first = PatternBytes(300, 2), second = PatternBytes(17, 3);
  ASSERT_TRUE(store().Put("rotated", first).ok());
  ASSERT_TRUE(store().Put("rotated", second).ok());
  ExpectValue("rotated", second);
  const Bytes third = PatternBytes(4000, 4);  // longer again: no stale tail may survive
  ASSERT_TRUE(store().Put("rotated", third).ok());
  ExpectValue("rotated", third);
  EXPECT_EQ(SortedList(), std::vector<std::string>{"rotated"});
}

TEST_P(StoreConformanceTest, GetOfAMissingNameIsNotFound) {
  auto got = store().Get("never-stored");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << got.status().ToString();
  ASSERT_TRUE(store().Put("other", "x").ok());
  got = store().Get("never-stored");
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound) << got.status().ToString();
}

TEST_P(StoreConformanceTest, RemoveDeletesTheName) {
  ASSERT_TRUE(store().Put("keep", "k").ok());
  ASSERT_TRUE(store().Put("drop", "d").ok());
  ASSERT_TRUE(store().Put("drop", "d2").ok());  // older versions must go too
  ASSERT_TRUE(store().Remove("drop").ok());
  EXPECT_EQ(store().Get("drop").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SortedList(), std::vector<std::string>{"keep"});
  ExpectValue("keep", ToBytes("k"));
  // A name can come back after removal, with only its new value.
  ASSERT_TRUE(store().Put("drop", "again").ok());
  ExpectValue("drop", ToBytes("again"));
}

TEST_P(StoreConformanceTest, RemoveOfAMissingNameIsOk) {
  Status s = store().Remove("never-stored");
  EXPECT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(store().Put("x", "1").ok());
  ASSERT_TRUE(store().Remove("x").ok());
  s = store().Remove("x");
  EXPECT_TRUE(s.ok()) << "second remove: " << s.ToString();
}

TEST_P(StoreConformanceTest, ListVisitsEveryStoredNameOnce) {
  EXPECT_TRUE(SortedList().empty());
  std::vector<std::string> expected;
  for (int i = 0; i < 20; ++i) {
    expected.push_back("secret-" + std::to_string(i));
    ASSERT_TRUE(store().Put(expected.back(), PatternBytes(10 + i, i)).ok());
  }
  ASSERT_TRUE(store().Put("secret-3", "overwritten").ok());  // still listed once
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(SortedList(), expected);
}

TEST_P(StoreConformanceTest, ListStopsWhenTheVisitorStops) {
  for (const char* n : {"a", "b", "c", "d"}) ASSERT_TRUE(store().Put(n, n).ok());
  int visits = 0;
  Status s = store().ListWith([&](std::string_view) {
    ++visits;
    return visits == 2 ? VSECM_UNAVAILABLE : VSECM_OK;
  });
  EXPECT_EQ(visits, 2);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

TEST_P(StoreConformanceTest, EmptyValueRoundTrips) {
  ASSERT_TRUE(store().Put("empty", Bytes{}).ok());
  ExpectValue("empty", Bytes{});
  EXPECT_EQ(SortedList(), std::vector<std::string>{"empty"});
  ASSERT_NO_FATAL_FAILURE(Open());
  ExpectValue("empty", Bytes{});
}

TEST_P(StoreConformanceTest, LargeValueRoundTrips) {
  const Bytes big = PatternBytes(GetParam().large_value_bytes, 5);
  ASSERT_TRUE(store().Put("big", big).ok());
  ExpectValue("big", big);
  Bytes bigger = PatternBytes(GetParam().large_value_bytes, 6);
  ASSERT_TRUE(store().Put("big", bigger).ok());
  ExpectValue("big", bigger);
}

TEST_P(StoreConformanceTest, EveryByteValueRoundTrips) {
  Bytes all;
  for (int round = 0; round < 3; ++round) {
    for (int b = 0; b < 256; ++b) all.push_back(static_cast<uint8_t>(b));
    for (int b = 255; b >= 0; --b) all.push_back(static_cast<uint8_t>(b));
  }
  ASSERT_TRUE(store().Put("binary", all).ok());
  ExpectValue("binary", all);
  // Values that look like line endings, NULs and format markers must not be translated.
  for (const Bytes& v : {Bytes{0}, Bytes{'\r', '\n'}, Bytes{'\n'}, Bytes{0xff, 0xfe, 0, 0},
                         Bytes{0x1a}, Bytes{'%', 's', '%', 'n'}}) {
    ASSERT_TRUE(store().Put("binary", v).ok());
    ExpectValue("binary", v);
  }
}

TEST_P(StoreConformanceTest, SecureMemoryIsReturnedByDestroy) {
  ASSERT_TRUE(store().Put("a", "1").ok());
  ASSERT_TRUE(store().Get("a").ok());
  store().DestroyInstance();
  EXPECT_EQ(store().host().live_secure_blocks(), 0u);
  EXPECT_EQ(store().host().secure_free_mismatches(), 0u);
}

TEST_P(StoreConformanceTest, SetKeyAgainKeepsDataReadable) {
  if (!library().takes_key()) GTEST_SKIP() << "the plugin has no set_key";
  ASSERT_TRUE(store().Put("keyed", "v").ok());
  // The kernel calls set_key again when the root key is re-installed (the same key).
  Status s = store().SetKey({kConformanceStoreKey.data(), kConformanceStoreKey.size()});
  ASSERT_TRUE(s.ok()) << s.ToString();
  ExpectValue("keyed", ToBytes("v"));
  ASSERT_NO_FATAL_FAILURE(Open());
  ExpectValue("keyed", ToBytes("v"));
}

}  // namespace vsecm::sdk::testing

#endif  // VSECM_SDK_TESTING_STORE_CONFORMANCE_BASIC_HPP_
