// The registry through real plugins: plain text never reaches a store, bad input changes
// nothing, readers never wait for a writer's disk, and recovery reads back every record.
#include "vsecm/kernel/secret_registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "kernel_fixture.hpp"

namespace vsecm::kernel {
namespace {

using ::testing::HasSubstr;
using vsecm::testing::KernelFixture;
using vsecm::testing::ReadAll;

const Caller kSentinel{"spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/s0",
                       "corr-1"};
const Caller kWorkload{"spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/b0", "corr-2"};

// Distinct canaries, so a leak names the operation that leaked.
constexpr const char* kCanaries[] = {"CANARY-create-9d1e77f0", "CANARY-update-41c2aa93",
                                     "CANARY-append-7b55e0c4", "CANARY-delete-e08f3d21"};

UpsertRequest Request(std::vector<std::string> workloads, std::string_view value,
                      UpsertMode mode = UpsertMode::kReplace) {
  UpsertRequest r;
  r.workloads = std::move(workloads);
  r.values.push_back(SecretBytes::CopyOf(value));
  r.mode = mode;
  r.namespaces = {"default"};
  return r;
}

// Every byte the store was ever handed or keeps, as one string.
std::string EverythingTheStoreSaw(const KernelFixture& f) {
  std::string all = f.RecordingLog();
  for (const auto& e : std::filesystem::recursive_directory_iterator(f.store_dir().path())) {
    if (e.is_regular_file()) all += ReadAll(e.path().string());
  }
  return all;
}

class SecretRegistryTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SecretRegistryTest, NoCanaryPlainTextEverReachesTheStore) {
  KernelFixture f(GetParam());
  ASSERT_OK(f.Start());
  SecretRegistry& r = f.registry();
  ASSERT_TRUE(r.Upsert(kSentinel, Request({"billing"}, kCanaries[0])).ok());
  ASSERT_TRUE(r.Upsert(kSentinel, Request({"billing"}, kCanaries[1])).ok());
  ASSERT_TRUE(r.Upsert(kSentinel, Request({"billing"}, kCanaries[2], UpsertMode::kAppend)).ok());
  ASSERT_TRUE(r.Upsert(kSentinel, Request({"orders"}, kCanaries[3])).ok());
  ASSERT_TRUE(r.Delete(kSentinel, {"orders"}).ok());

  // The values are really there (the test would prove nothing otherwise)...
  auto billing = r.Read(kWorkload, "billing");
  ASSERT_TRUE(billing.ok()) << billing.status().ToString();
  EXPECT_EQ(billing->data.ExposeText(), kCanaries[2]);
  EXPECT_EQ(r.Read(kWorkload, "orders").status().code(), StatusCode::kNotFound);

  // ...and survive a restart: recovery decrypts them back from the store.
  ASSERT_OK(f.Start());
  RecoveryReport report = f.registry().Recover();
  EXPECT_EQ(report.loaded, 1u);
  EXPECT_TRUE(report.failed.empty());
  auto recovered = f.registry().Read(kWorkload, "billing");
  ASSERT_TRUE(recovered.ok()) << recovered.status().ToString();
  EXPECT_EQ(recovered->data.ExposeText(), kCanaries[2]);
  EXPECT_EQ(recovered->created, billing->created);

  const std::string seen = EverythingTheStoreSaw(f);
  ASSERT_FALSE(seen.empty());
  EXPECT_THAT(seen, HasSubstr("billing"));  // names are not secret; values are
  for (const char* canary : kCanaries) {
    EXPECT_EQ(seen.find(canary), std::string::npos) << canary << " reached the store";
    EXPECT_EQ(seen.find(std::string(canary).substr(7)), std::string::npos) << canary;
  }
  for (const AuditEvent& e : f.audit().Events()) {
    std::string line = FormatAuditLine(e);
    for (const char* canary : kCanaries) EXPECT_EQ(line.find(canary), std::string::npos) << line;
  }
}

TEST_P(SecretRegistryTest, BadInputChangesNothing) {
  KernelFixture f(GetParam());
  ASSERT_OK(f.Start());
  SecretRegistry& r = f.registry();
  ASSERT_TRUE(r.Upsert(kSentinel, Request({"billing"}, "v1")).ok());
  const std::string log_before = f.RecordingLog();

  Status bad_name = r.Upsert(kSentinel, Request({"ok-name", "../etc/passwd"}, "v2"));
  EXPECT_EQ(bad_name.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_name.message(), HasSubstr("workloads"));

  UpsertRequest with_template = Request({"billing"}, "v3");
  with_template.template_text = "{{.x}}";
  EXPECT_EQ(r.Upsert(kSentinel, with_template).code(), StatusCode::kFailedPrecondition);

  UpsertRequest bad_format = Request({"billing"}, "v4");
  bad_format.format = "toml";
  EXPECT_THAT(r.Upsert(kSentinel, bad_format).message(), HasSubstr("\"toml\""));

  UpsertRequest inverted = Request({"billing"}, "v5");
  inverted.not_before = Timestamp(std::chrono::milliseconds(2000));
  inverted.expires_after = Timestamp(std::chrono::milliseconds(1000));
  EXPECT_EQ(r.Upsert(kSentinel, inverted).code(), StatusCode::kInvalidArgument);

  UpsertRequest empty;
  empty.workloads = {"billing"};
  EXPECT_EQ(r.Upsert(kSentinel, empty).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.Delete(kSentinel, {"a/b"}).code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(f.RecordingLog(), log_before) << "a refused request reached the store";
  EXPECT_EQ(r.size(), 1u);
  EXPECT_EQ(r.Read(kWorkload, "billing")->data.ExposeText(), "v1");
  EXPECT_EQ(r.Read(kWorkload, "ok-name").status().code(), StatusCode::kNotFound);

  int refusals = 0;
  for (const AuditEvent& e : f.audit().Events()) refusals += e.action == AuditAction::kRefuse;
  EXPECT_EQ(refusals, 6);
}

TEST_P(SecretRegistryTest, ACorruptRecordIsReportedAndTheOthersRecover) {
  KernelFixture f(GetParam());
  ASSERT_OK(f.Start());
  ASSERT_TRUE(f.registry().Upsert(kSentinel, Request({"billing", "orders"}, "value")).ok());
  {
    std::ofstream torn(f.store_dir() / "orders.rec", std::ios::binary | std::ios::trunc);
    torn << "not a cipher text";
  }
  ASSERT_OK(f.Start());
  RecoveryReport report = f.registry().Recover();
  EXPECT_EQ(report.loaded, 1u);
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(report.failed[0].first, "orders");
  EXPECT_FALSE(report.failed[0].second.ok());
  EXPECT_TRUE(f.registry().Read(kWorkload, "billing").ok());
  bool audited = false;
  for (const AuditEvent& e : f.audit().Events()) {
    audited |= e.action == AuditAction::kRecover && e.target == "orders" &&
               e.outcome == AuditOutcome::kFailure;
  }
  EXPECT_TRUE(audited);
}

// Enough records for recovery to run on several threads: each record still comes back with its
// own value, and each corrupt one is reported (and audited) once, with the others unaffected.
TEST_P(SecretRegistryTest, ManyRecordsRecoverInParallelWithEachFailureReported) {
  KernelFixture f(GetParam());
  ASSERT_OK(f.Start());
  constexpr int kRecords = 300;
  std::set<std::string> corrupt;
  for (int i = 0; i < kRecords; ++i) {
    const std::string name = "w" + std::to_string(i);
    ASSERT_TRUE(f.registry().Upsert(kSentinel, Request({name}, "value-" + name)).ok());
    if (i % 37 == 5) corrupt.insert(name);
  }
  for (const std::string& name : corrupt) {
    std::ofstream torn(f.store_dir() / (name + ".rec"), std::ios::binary | std::ios::trunc);
    torn << "not a cipher text";
  }
  ASSERT_OK(f.Start());
  RecoveryReport report = f.registry().Recover();
  EXPECT_EQ(report.loaded, kRecords - corrupt.size());
  std::set<std::string> reported;
  for (const auto& [name, why] : report.failed) {
    EXPECT_FALSE(why.ok());
    EXPECT_TRUE(reported.insert(name).second) << name << " reported twice";
  }
  EXPECT_EQ(reported, corrupt);
  for (int i = 0; i < kRecords; ++i) {
    const std::string name = "w" + std::to_string(i);
    auto read = f.registry().Read(kWorkload, name);
    if (corrupt.count(name) != 0) {
      EXPECT_FALSE(read.ok()) << name;
    } else {
      ASSERT_TRUE(read.ok()) << name << ": " << read.status().ToString();
      EXPECT_EQ(read->data.ExposeText(), "value-" + name);
    }
  }
  size_t audited = 0;
  for (const AuditEvent& e : f.audit().Events()) {
    if (e.action == AuditAction::kRecover && e.outcome == AuditOutcome::kFailure &&
        corrupt.count(e.target) != 0) {
      ++audited;
    }
  }
  EXPECT_EQ(audited, corrupt.size());
}

INSTANTIATE_TEST_SUITE_P(EachCryptoPlugin, SecretRegistryTest,
                         ::testing::Values("vsecm-crypto-age", "vsecm-crypto-aes"));

TEST(SecretRegistryConcurrencyTest, ReadersDoNotWaitForAWritersDisk) {
  KernelFixture f("vsecm-crypto-aes");
  ASSERT_OK(f.Start());
  ASSERT_TRUE(f.registry().Upsert(kSentinel, Request({"billing"}, "v1")).ok());
  std::ofstream(f.hold_file()) << "hold";  // the next put stalls until the file is gone

  std::atomic<bool> writer_done{false};
  const size_t log_size = f.RecordingLog().size();
  std::thread writer([&] {
    EXPECT_TRUE(f.registry().Upsert(kSentinel, Request({"billing", "orders"}, "v2")).ok());
    writer_done = true;
  });
  // Wait until the writer is inside the store's put, which then stalls like a hung disk.
  while (f.RecordingLog().size() == log_size) std::this_thread::yield();
  auto read = f.registry().Read(kWorkload, "billing");
  auto listed = f.registry().List(kSentinel);
  EXPECT_FALSE(writer_done.load()) << "the read waited for the writer's put";
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->data.ExposeText(), "v1");  // the old value until the new one is durable
  EXPECT_EQ(listed.size(), 1u);
  std::filesystem::remove(f.hold_file());
  writer.join();
  EXPECT_EQ(f.registry().Read(kWorkload, "billing")->data.ExposeText(), "v2");
}

TEST(SecretRegistryTransformTest, WorkloadsReceiveTheRenderedValue) {
  KernelFixture f("vsecm-crypto-aes", "test-wrong-kind");  // an upper-casing transform
  ASSERT_OK(f.Start());
  UpsertRequest request = Request({"billing"}, "quiet value");
  request.format = "raw";
  ASSERT_TRUE(f.registry().Upsert(kSentinel, request).ok());
  EXPECT_EQ(f.registry().Read(kWorkload, "billing")->data.ExposeText(), "QUIET VALUE");
  ASSERT_OK(f.Start());
  f.registry().Recover();
  EXPECT_EQ(f.registry().Read(kWorkload, "billing")->data.ExposeText(), "QUIET VALUE");
}

TEST(SecretRegistryValidityTest, SecretsOutsideTheirWindowAreNotServed) {
  KernelFixture f("vsecm-crypto-aes");
  ASSERT_OK(f.Start());
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  UpsertRequest future = Request({"future"}, "later");
  future.not_before = now + std::chrono::hours(1);
  UpsertRequest expired = Request({"expired"}, "gone");
  expired.not_before = now - std::chrono::hours(2);
  expired.expires_after = now - std::chrono::hours(1);
  ASSERT_TRUE(f.registry().Upsert(kSentinel, future).ok());
  ASSERT_TRUE(f.registry().Upsert(kSentinel, expired).ok());
  EXPECT_THAT(f.registry().Read(kWorkload, "future").status().message(), HasSubstr("not valid before"));
  EXPECT_THAT(f.registry().Read(kWorkload, "expired").status().message(), HasSubstr("expired at"));
}

}  // namespace
}  // namespace vsecm::kernel
