#include "vsecm/kernel/audit.hpp"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vsecm::kernel {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/vsecm-audit-XXXXXX";
    const char* p = mkdtemp(tmpl);
    EXPECT_NE(p, nullptr);
    path_ = p;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

AuditEvent Event(std::string target, AuditAction action = AuditAction::kRead) {
  AuditEvent e;
  e.time = Timestamp{std::chrono::milliseconds{1795438800123}};
  e.correlation_id = "00112233445566778899aabbccddeeff";
  e.actor = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/pod-1";
  e.action = action;
  e.target = std::move(target);
  e.outcome = AuditOutcome::kDenied;
  e.reason = "permission denied: not your secret";
  return e;
}

TEST(AuditTest, NamesActionsAndOutcomes) {
  EXPECT_STREQ(ToString(AuditAction::kCreate), "create");
  EXPECT_STREQ(ToString(AuditAction::kUpdate), "update");
  EXPECT_STREQ(ToString(AuditAction::kDelete), "delete");
  EXPECT_STREQ(ToString(AuditAction::kRead), "read");
  EXPECT_STREQ(ToString(AuditAction::kList), "list");
  EXPECT_STREQ(ToString(AuditAction::kEncrypt), "encrypt");
  EXPECT_STREQ(ToString(AuditAction::kRecover), "recover");
  EXPECT_STREQ(ToString(AuditAction::kRootKey), "root-key");
  EXPECT_STREQ(ToString(AuditAction::kRefuse), "refuse");
  EXPECT_STREQ(ToString(AuditOutcome::kSuccess), "success");
  EXPECT_STREQ(ToString(AuditOutcome::kFailure), "failure");
  EXPECT_STREQ(ToString(AuditOutcome::kDenied), "denied");
}

TEST(AuditTest, CorrelationIdsAre128RandomBitsInHex) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = NewCorrelationId();
    ASSERT_EQ(id.size(), 32u);
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(AuditTest, LineHoldsEveryFieldInOrder) {
  const std::string line = FormatAuditLine(Event("billing"));
  EXPECT_EQ(line,
            R"({"time":"2026-11-23T13:00:00.123Z","correlationId":"00112233445566778899aabbccddeeff",)"
            R"("actor":"spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/pod-1",)"
            R"("action":"read","target":"billing","outcome":"denied",)"
            R"("reason":"permission denied: not your secret"})");
}

TEST(AuditTest, HostileStringsStayOnOneLine) {
  AuditEvent e = Event("a\nb\r\n{\"forged\":true}\n", AuditAction::kDelete);
  e.actor = "x\u2028y\n";
  e.reason = std::string("bad \xFF utf8 and \0 nul", 20);
  const std::string line = FormatAuditLine(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_EQ(line.find('\r'), std::string::npos);
  auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["target"], "a\nb\r\n{\"forged\":true}\n");
  EXPECT_EQ(j["actor"], "x\u2028y\n");
  EXPECT_EQ(j["reason"], std::string("bad \xEF\xBF\xBD utf8 and \0 nul", 22));
}

TEST(JsonLinesAuditSinkTest, WritesParseableLinesToA0600File) {
  TempDir dir;
  const std::string path = dir.File("audit.jsonl");
  const mode_t old_umask = umask(0);  // the sink, not the umask, must keep the file private
  auto sink = JsonLinesAuditSink::Open(path, FsyncPolicy::kEveryRecord);
  umask(old_umask);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  (*sink)->Record(Event("billing", AuditAction::kCreate));
  (*sink)->Record(Event("line\ninjection\n{\"action\":\"read\"}", AuditAction::kUpdate));
  (*sink)->Record(Event("*", AuditAction::kList));
  EXPECT_EQ((*sink)->failures(), 0u);

  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 3u);
  const char* actions[] = {"create", "update", "list"};
  for (size_t i = 0; i < lines.size(); ++i) {
    auto j = nlohmann::json::parse(lines[i]);
    EXPECT_EQ(j["action"], actions[i]);
    EXPECT_EQ(j["outcome"], "denied");
    EXPECT_EQ(j["correlationId"], "00112233445566778899aabbccddeeff");
    EXPECT_EQ(j["time"], "2026-11-23T13:00:00.123Z");
    EXPECT_TRUE(j["actor"].is_string());
    EXPECT_TRUE(j["reason"].is_string());
  }
  EXPECT_EQ(nlohmann::json::parse(lines[1])["target"], "line\ninjection\n{\"action\":\"read\"}");
}

TEST(JsonLinesAuditSinkTest, AppendsToAnExistingJournal) {
  TempDir dir;
  const std::string path = dir.File("audit.jsonl");
  for (int round = 0; round < 2; ++round) {
    auto sink = JsonLinesAuditSink::Open(path, FsyncPolicy::kNever);
    ASSERT_TRUE(sink.ok());
    (*sink)->Record(Event("round-" + std::to_string(round)));
  }
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(nlohmann::json::parse(lines[0])["target"], "round-0");
  EXPECT_EQ(nlohmann::json::parse(lines[1])["target"], "round-1");
}

// Synced journal, many writers: every event is written once and whole, and every Record returns
// (the group-commit leader hands over correctly) — the path every Safe request takes.
TEST(JsonLinesAuditSinkTest, ConcurrentSyncedEventsShareSyncsAndAllArrive) {
  TempDir dir;
  const std::string path = dir.File("audit.jsonl");
  auto sink = JsonLinesAuditSink::Open(path, FsyncPolicy::kEveryRecord);
  ASSERT_TRUE(sink.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        (*sink)->Record(Event(std::to_string(t) + ":" + std::to_string(i)));
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), size_t{kThreads * kPerThread});
  std::set<std::string> targets;
  for (const std::string& line : lines) targets.insert(nlohmann::json::parse(line)["target"]);
  EXPECT_EQ(targets.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ((*sink)->failures(), 0u);
}

TEST(JsonLinesAuditSinkTest, ConcurrentEventsNeverInterleave) {
  TempDir dir;
  const std::string path = dir.File("audit.jsonl");
  auto sink = JsonLinesAuditSink::Open(path, FsyncPolicy::kNever);
  ASSERT_TRUE(sink.ok());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 500;
  // Long targets make each line several KiB, so a torn write would show.
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        (*sink)->Record(Event(std::to_string(t) + ":" + std::to_string(i) + ":" +
                              std::string(2000 + (i % 7) * 500, static_cast<char>('a' + t))));
      }
    });
  }
  for (auto& th : threads) th.join();
  const auto lines = Lines(path);
  ASSERT_EQ(lines.size(), size_t{kThreads * kPerThread});
  std::set<std::string> keys;
  for (const std::string& line : lines) {
    auto j = nlohmann::json::parse(line);  // throws (fails the test) on a torn line
    const std::string target = j["target"];
    const size_t second = target.find(':', target.find(':') + 1);
    ASSERT_NE(second, std::string::npos);
    const int t = std::stoi(target);
    EXPECT_EQ(target.find_first_not_of(static_cast<char>('a' + t), second + 1), std::string::npos);
    keys.insert(target.substr(0, second));
  }
  EXPECT_EQ(keys.size(), size_t{kThreads * kPerThread});
}

TEST(JsonLinesAuditSinkTest, RefusesAMissingDirectory) {
  TempDir dir;
  auto sink = JsonLinesAuditSink::Open(dir.File("no/such/dir/audit.jsonl"), FsyncPolicy::kNever);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("directory does not exist"), std::string::npos)
      << sink.status().message();
  auto on_dir = JsonLinesAuditSink::Open(dir.File(""), FsyncPolicy::kNever);
  EXPECT_FALSE(on_dir.ok());
}

TEST(JsonLinesAuditSinkTest, WriteFailuresAreCountedNotThrown) {
  if (access("/dev/full", W_OK) != 0) GTEST_SKIP() << "no /dev/full";
  auto sink = JsonLinesAuditSink::Open("/dev/full", FsyncPolicy::kNever);
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 5; ++i) (*sink)->Record(Event("x"));
  EXPECT_EQ((*sink)->failures(), 5u);
}

TEST(JsonLinesAuditSinkTest, DashMeansStderr) {
  for (std::string_view path : {"-", ""}) {
    auto sink = JsonLinesAuditSink::Open(path, FsyncPolicy::kEveryRecord);
    ASSERT_TRUE(sink.ok());
    testing::internal::CaptureStderr();
    (*sink)->Record(Event("to-stderr"));
    const std::string out = testing::internal::GetCapturedStderr();
    EXPECT_EQ(out, FormatAuditLine(Event("to-stderr")) + "\n");
    EXPECT_EQ((*sink)->failures(), 0u);
  }
}

TEST(MemoryAuditSinkTest, KeepsEventsInOrderAcrossThreads) {
  MemoryAuditSink sink;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) sink.Record(Event(std::to_string(t)));
    });
  }
  for (auto& th : threads) th.join();
  const auto events = sink.Events();
  ASSERT_EQ(events.size(), 800u);
  EXPECT_EQ(events[0].outcome, AuditOutcome::kDenied);
  sink.Clear();
  EXPECT_TRUE(sink.Events().empty());
}

}  // namespace
}  // namespace vsecm::kernel
