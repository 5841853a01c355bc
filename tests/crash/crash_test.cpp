// Crash harness: kill -9 a real Safe kernel in the middle of upserts, restart on the same store,
// and prove that every acknowledged write is there with exactly its acknowledged value.
//
// Each trial starts vsecm-crash-writer on the store (which keeps the previous trials' data),
// lets it acknowledge a random number of upserts (sometimes none: the kill then lands during
// start-up), kills it with SIGKILL a random moment later, then starts a fresh kernel in this
// process, runs Recover() and checks every name against a model. The writer is sequential, so
// at most one write (the one after its last ACK) was in flight: for that one name, the
// unacknowledged new value is also acceptable. Anything else - an acknowledged value missing,
// an older value, a value that is neither, a recovery failure other than the in-flight name -
// fails the test.
//
// Add a store: one more entry in the INSTANTIATE_TEST_SUITE_P list at the bottom (plugin name
// and settings; "@DIR@" is the trial's store directory), and its plugin target in
// tests/crash/CMakeLists.txt. VSECM_CRASH_TRIALS (20), VSECM_CRASH_BUDGET_S (15) and
// VSECM_CRASH_SEED override the defaults.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <thread>

#include "crash_workload.hpp"
#include "kernel_fixture.hpp"
#include "writer_process.hpp"

namespace vsecm::crash {
namespace {

using vsecm::testing::TempDir;

struct CrashCase {
  std::string label;
  std::string store;                            // plugin name
  std::map<std::string, std::string> settings;  // "@DIR@" -> the store directory
};

void PrintTo(const CrashCase& c, std::ostream* os) { *os << c.label; }

struct Totals {
  int trials = 0, early_kills = 0, inflight_kept = 0;
  size_t acknowledged = 0, lost = 0, wrong = 0;
};

class CrashTest : public ::testing::TestWithParam<CrashCase> {
 protected:
  void SetUp() override {
    for (const std::string& p : {std::string("vsecm-crypto-aes"), GetParam().store}) {
      const std::string from = vsecm::testing::ProductPlugin(p);
      if (!std::filesystem::exists(from)) GTEST_SKIP() << p << " is not built";
      vsecm::testing::CopyFile(from, plugins_ / (p + ".so"));
    }
    for (auto [key, value] : GetParam().settings) {
      for (size_t at; (at = value.find("@DIR@")) != std::string::npos;) {
        value.replace(at, 5, store_.path());
      }
      settings_[key] = value;
    }
  }

  // Runs one writer and kills it; returns what it acknowledged.
  std::vector<Ack> CrashOnce(uint64_t start, std::mt19937_64& rng, bool* early) {
    std::vector<std::string> args = {"--plugin-dir=" + plugins_.path(),
                                     "--store=" + GetParam().store,
                                     "--start=" + std::to_string(start),
                                     "--names=" + std::to_string(kDefaultNameCount)};
    for (const auto& [k, v] : settings_) args.push_back("--setting=" + k + "=" + v);
    const std::string err_path = plugins_ / "writer.stderr";
    WriterProcess writer(std::string(VSECM_TEST_BIN_DIR) + "/vsecm-crash-writer", args, err_path);
    EXPECT_TRUE(writer.started());
    // Generous: every ACK is several fsyncs, and parallel tests (or ASan) share the disk.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    *early = std::uniform_int_distribution<int>(0, 3)(rng) == 0;
    if (*early) {  // within the first few ms: start-up, recovery, the first writes
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 25000)(rng)));
    } else {
      const size_t target = std::uniform_int_distribution<size_t>(1, 40)(rng);
      EXPECT_TRUE(writer.ReadUntil(target, deadline))
          << "the writer stopped before " << target << " ACKs: " << vsecm::testing::ReadAll(err_path);
      std::this_thread::sleep_for(
          std::chrono::microseconds(std::uniform_int_distribution<int>(0, 4000)(rng)));
    }
    writer.Kill();
    const int status = writer.Wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer ended on its own: " << vsecm::testing::ReadAll(err_path);
    return writer.acks();
  }

  // Starts a fresh kernel on the store and checks every name against the model. `inflight` is
  // the counter of the one write that may have been under way when the writer died.
  void Verify(const std::vector<Ack>& acks, uint64_t inflight,
              std::map<std::string, std::optional<uint64_t>>& model, Totals& totals) {
    kernel::SafeKernel::Options options;
    options.env = [](const char*) { return std::optional<std::string>(); };
    options.audit = std::make_unique<kernel::MemoryAuditSink>();
    auto k = kernel::SafeKernel::Create(CrashKernelConfig(plugins_.path(), GetParam().store,
                                                          settings_),
                                        std::move(options));
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    auto root_key = kernel::RootKey::Parse({reinterpret_cast<const uint8_t*>(vsecm::testing::kTestRootKey),
                                            std::strlen(vsecm::testing::kTestRootKey)});
    ASSERT_TRUE(root_key.ok());
    ASSERT_TRUE((*k)->InstallRootKey(*root_key).ok());
    const kernel::RecoveryReport report = (*k)->registry().Recover();
    const std::string inflight_name = NameFor(inflight, kDefaultNameCount);
    for (const auto& [name, why] : report.failed) {
      EXPECT_EQ(name, inflight_name) << "recovery failed for " << name << ": " << why.ToString();
    }

    for (const Ack& ack : acks) {
      EXPECT_EQ(ack.digest, Digest(ValueFor(ack.counter).Expose())) << "the writer's own ACK";
      model[ack.name] = ack.counter;  // the last ACK per name wins
    }
    totals.acknowledged += acks.size();
    kernel::Caller caller{"crash-test", ""};
    for (uint64_t n = 0; n < kDefaultNameCount; ++n) {
      const std::string name = NameFor(n, kDefaultNameCount);
      const std::optional<uint64_t> expected = model[name];
      auto view = (*k)->registry().Read(caller, name);
      std::optional<uint64_t> found;
      if (view.ok()) {
        const std::string digest = Digest(view->data.Expose());
        if (expected && digest == Digest(ValueFor(*expected).Expose())) found = *expected;
        if (name == inflight_name && digest == Digest(ValueFor(inflight).Expose())) found = inflight;
        if (!found) {
          ++totals.wrong;
          ADD_FAILURE() << name << " holds a value that was never written whole, or an old one";
          continue;
        }
      } else {
        EXPECT_EQ(view.status().code(), StatusCode::kNotFound) << view.status().ToString();
      }
      if (found == inflight && name == inflight_name) ++totals.inflight_kept;
      if (expected && !found) {
        ++totals.lost;
        ADD_FAILURE() << "lost: " << name << " acknowledged with counter " << *expected
                      << " is missing after recovery";
      }
      model[name] = found;  // what the next trial starts from
    }
  }

  TempDir plugins_, store_;
  std::map<std::string, std::string> settings_;
};

TEST_P(CrashTest, EveryAcknowledgedWriteSurvivesKill9) {
  const char* trials_env = std::getenv("VSECM_CRASH_TRIALS");
  const char* seed_env = std::getenv("VSECM_CRASH_SEED");
  const int trials = trials_env ? std::atoi(trials_env) : 20;
  // On a loaded machine fsync slows down by orders of magnitude; keep the test's time bounded
  // (at least 5 trials always run).
  const char* budget_env = std::getenv("VSECM_CRASH_BUDGET_S");
  const double budget_s = budget_env ? std::atof(budget_env) : 15.0;
  const uint64_t seed = seed_env ? std::strtoull(seed_env, nullptr, 10) : std::random_device{}();
  std::mt19937_64 rng(seed);
  SCOPED_TRACE("VSECM_CRASH_SEED=" + std::to_string(seed));

  std::map<std::string, std::optional<uint64_t>> model;  // name -> counter of its value
  Totals totals;
  uint64_t next = 0;
  const auto began = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  };
  for (int trial = 0; trial < trials && !HasFailure(); ++trial) {
    if (trial >= 5 && elapsed() > budget_s) break;
    bool early = false;
    const std::vector<Ack> acks = CrashOnce(next, rng, &early);
    const uint64_t inflight = acks.empty() ? next : acks.back().counter + 1;
    ASSERT_NO_FATAL_FAILURE(Verify(acks, inflight, model, totals)) << "trial " << trial;
    next = inflight + 1;  // every trial writes values no earlier trial wrote
    ++totals.trials;
    totals.early_kills += early;
  }
  const double seconds = elapsed();
  std::printf("[ crash    ] %s: %d trials (%d killed within 25 ms of start), %zu acknowledged "
              "writes, lost %zu, wrong %zu, in-flight write kept %d times, %.1f s%s, seed %llu\n",
              GetParam().label.c_str(), totals.trials, totals.early_kills, totals.acknowledged,
              totals.lost, totals.wrong, totals.inflight_kept, seconds,
              totals.trials < trials ? " (time budget reached)" : "", static_cast<unsigned long long>(seed));
  EXPECT_EQ(totals.lost, 0u);
  EXPECT_EQ(totals.wrong, 0u);
  EXPECT_GT(totals.acknowledged, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Stores, CrashTest,
    ::testing::Values(
        CrashCase{"fs", "vsecm-store-fs", {{"path", "@DIR@/data"}, {"backup_count", "3"}}},
        CrashCase{"rocksdb", "vsecm-store-rocksdb",
                  {{"path", "@DIR@/rocksdb"}, {"backup_count", "3"}}},
        CrashCase{"sqlcipher", "vsecm-store-sqlcipher",
                  {{"path", "@DIR@/vsecm.db"}, {"backup_count", "3"}}}),
    [](const ::testing::TestParamInfo<CrashCase>& info) { return info.param.label; });

}  // namespace
}  // namespace vsecm::crash
