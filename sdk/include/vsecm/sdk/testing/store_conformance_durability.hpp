// Conformance cases: reopening, concurrency and crash recovery. Included by
// store_conformance.hpp; do not include directly.
#ifndef VSECM_SDK_TESTING_STORE_CONFORMANCE_DURABILITY_HPP_
#define VSECM_SDK_TESTING_STORE_CONFORMANCE_DURABILITY_HPP_

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace vsecm::sdk::testing {

// A value that proves where it came from: "name|writer|seq|" followed by pattern bytes derived
// from exactly those, so a reader can tell a whole value from a torn or mixed-up one.
inline Bytes TaggedValue(const std::string& name, int writer, int seq) {
  std::string head = name + "|" + std::to_string(writer) + "|" + std::to_string(seq) + "|";
  uint64_t seed = std::hash<std::string>{}(head);
  Bytes out = ToBytes(head);
  Bytes body = PatternBytes(1 + seed % 6000, seed);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

// True when `value` is exactly some TaggedValue(name, w, s); `writer`/`seq` receive w and s.
inline bool IsTaggedValue(const std::string& name, const Bytes& value, int* writer, int* seq) {
  std::string text(value.begin(), value.end());
  size_t a = text.find('|'), b = text.find('|', a + 1), c = text.find('|', b + 1);
  if (a == std::string::npos || b == std::string::npos || c == std::string::npos) return false;
  if (text.substr(0, a) != name) return false;
  try {
    *writer = std::stoi(text.substr(a + 1, b - a - 1));
    *seq = std::stoi(text.substr(b + 1, c - b - 1));
  } catch (const std::exception&) {
    return false;
  }
  return TaggedValue(name, *writer, *seq) == value;
}

TEST_P(StoreConformanceTest, ReopenKeepsEverything) {
  std::map<std::string, Bytes> expected;
  for (int i = 0; i < 12; ++i) {
    std::string name = "persist-" + std::to_string(i);
    expected[name] = PatternBytes(50 * i, 200 + i);
    ASSERT_TRUE(store().Put(name, expected[name]).ok());
  }
  ASSERT_TRUE(store().Put("persist-3", "newer").ok());
  expected["persist-3"] = ToBytes("newer");
  ASSERT_TRUE(store().Remove("persist-5").ok());
  expected.erase("persist-5");

  for (int round = 0; round < 2; ++round) {
    ASSERT_NO_FATAL_FAILURE(Open());
    std::vector<std::string> names;
    for (const auto& [name, value] : expected) {
      names.push_back(name);
      ExpectValue(name, value);
    }
    EXPECT_EQ(SortedList(), names) << "after reopen " << round;
    EXPECT_EQ(store().Get("persist-5").status().code(), StatusCode::kNotFound);
  }
}

TEST_P(StoreConformanceTest, ConcurrentWritersAndReadersSeeNoTornValues) {
  const int threads = GetParam().threads, ops = GetParam().ops_per_thread;
  const std::vector<std::string> shared = {"shared.a", "shared.b"};
  std::vector<std::string> all = shared;
  for (int t = 0; t < threads; ++t) all.push_back("own-" + std::to_string(t));
  for (const std::string& n : all) ASSERT_TRUE(store().Put(n, TaggedValue(n, -1, 0)).ok());

  std::mutex mutex;
  std::vector<std::string> errors;  // guarded by mutex
  auto fail = [&](std::string e) {
    std::lock_guard lock(mutex);
    if (errors.size() < 20) errors.push_back(std::move(e));
  };
  std::vector<int> last_own_seq(threads, 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 1; i <= ops; ++i) {
        if (i % 2 == 1) {  // write: own name, and every other time a shared one
          const std::string& n = (i % 4 == 1) ? all[2 + t] : shared[(t + i) % 2];
          Status s = store().Put(n, TaggedValue(n, t, i));
          if (!s.ok()) fail("put " + n + ": " + s.ToString());
          if (s.ok() && n == all[2 + t]) last_own_seq[t] = i;
        } else if (i % 8 == 0) {  // list: exactly the known names
          auto names = store().List();
          if (!names.ok()) fail("list: " + names.status().ToString());
          if (names.ok()) {
            std::sort(names->begin(), names->end());
            std::vector<std::string> want = all;
            std::sort(want.begin(), want.end());
            if (*names != want) fail("list returned an unexpected set of names");
          }
        } else {  // read someone's name: it must be whole
          const std::string& n = all[(t * 7 + i) % all.size()];
          auto got = store().Get(n);
          int w = 0, seq = 0;
          if (!got.ok()) {
            fail("get " + n + ": " + got.status().ToString());
          } else if (!IsTaggedValue(n, *got, &w, &seq)) {
            fail("get " + n + " returned a torn or foreign value of " +
                 std::to_string(got->size()) + " bytes");
          }
        }
      }
    });
  }
  for (std::thread& w : workers) w.join();
  for (const std::string& e : errors) ADD_FAILURE() << e;

  // Each writer's own name holds its last write; shared names hold some whole write.
  for (int t = 0; t < threads; ++t) ExpectValue(all[2 + t], TaggedValue(all[2 + t], t, last_own_seq[t]));
  for (const std::string& n : shared) {
    auto got = store().Get(n);
    int w = 0, seq = 0;
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_TRUE(IsTaggedValue(n, *got, &w, &seq)) << n;
  }
}

TEST_P(StoreConformanceTest, RecoversFromACrashBetweenWriteAndPublish) {
  const Bytes old_value = PatternBytes(5000, 300);
  ASSERT_TRUE(store().Put("crash.existing", old_value).ok());
  ASSERT_TRUE(store().Put("crash.bystander", "b").ok());
  Close();
  Status s = sandbox().LeaveUnpublishedWrite("crash.existing", PatternBytes(9000, 301));
  if (s.code() == StatusCode::kUnimplemented) GTEST_SKIP() << s.message();
  ASSERT_TRUE(s.ok()) << s.ToString();
  s = sandbox().LeaveUnpublishedWrite("crash.fresh", PatternBytes(7000, 302));
  ASSERT_TRUE(s.ok()) << s.ToString();

  ASSERT_NO_FATAL_FAILURE(Open());
  // The interrupted writes were never acknowledged: the old state is what must be there.
  ExpectValue("crash.existing", old_value);
  ExpectValue("crash.bystander", ToBytes("b"));
  EXPECT_EQ(store().Get("crash.fresh").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(SortedList(), (std::vector<std::string>{"crash.bystander", "crash.existing"}));

  // The store keeps working, and the leftovers never surface later.
  const Bytes fresh = PatternBytes(10, 303);
  ASSERT_TRUE(store().Put("crash.fresh", fresh).ok());
  ASSERT_TRUE(store().Put("crash.existing", fresh).ok());
  ASSERT_NO_FATAL_FAILURE(Open());
  ExpectValue("crash.fresh", fresh);
  ExpectValue("crash.existing", fresh);
  EXPECT_EQ(SortedList(),
            (std::vector<std::string>{"crash.bystander", "crash.existing", "crash.fresh"}));
}

}  // namespace vsecm::sdk::testing

#endif  // VSECM_SDK_TESTING_STORE_CONFORMANCE_DURABILITY_HPP_
