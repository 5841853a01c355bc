// Issue 8: after a full end-to-end session with the real processes (vsecm-safe dev on each
// durable store, vsecm-sentinel, vsecm-init-container, vsecm-sidecar), no canary value appears
// in plain text (raw, base64 or hex) anywhere but the workload's own output files: not in the
// store's files and backups, the audit journal, any process's log, nor in core files forced out
// of the running Safe (before and after a restart) and sidecar with gdb's gcore. And the Safe
// cannot dump core by itself: core size limit 0/0, not dumpable, and a SIGSEGV or SIGABRT
// leaves no core file.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "canary_scanner.hpp"
#include "delivery_process.hpp"
#include "process_evidence.hpp"

namespace vsecm::testing {
namespace {

// A sanitizer build's processes map terabytes of shadow memory and keep freed blocks unwiped in
// a quarantine: a core of one is gigabytes (gdb needs minutes) and says nothing about the
// product's memory. Their core scans are skipped, and said so; the release build runs them.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

std::string WorkloadId(const std::string& name) {
  return "spiffe://vsecm.com/workload/" + name + "/ns/default/sa/" + name + "/n/pod-1";
}

// The secrets of the session, each carrying its own canary.
struct Canaries {
  std::string plain = NewCanary("plain");        // a plain value (cn-plain)
  std::string templated = NewCanary("tmpl");     // inside JSON rendered by a template (cn-tmpl)
  std::string yaml = NewCanary("yaml");          // inside JSON rendered as YAML (cn-yaml)
  std::string first = NewCanary("first");        // cn-update, then replaced by...
  std::string second = NewCanary("second");      // ...this, then (after the restart) by...
  std::string third = NewCanary("third");        // ...this
  std::string deleted = NewCanary("deleted");    // cn-deleted, deleted before the restart
  std::string encrypted = NewCanary("enc");      // encrypt-only, then stored as cipher text
  std::vector<std::string> All() const {
    return {plain, templated, yaml, first, second, third, deleted, encrypted};
  }
};

class CanaryScanTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    for (const char* sub : {"logs", "out", "cwd", "core"}) {
      std::filesystem::create_directories(work_ / sub);
    }
    // The Safe inherits this cwd (core_pattern "core" is relative to it) and a core limit the
    // Safe itself must lower: a missing core file then proves the Safe's own hardening.
    old_cwd_ = std::filesystem::current_path();
    std::filesystem::current_path(work_ / "cwd");
    ::getrlimit(RLIMIT_CORE, &old_core_limit_);
    if (!kSanitizedBuild) RaiseCoreLimit();
    safe_.AddArgs({"--store", GetParam()});
  }
  void TearDown() override {
    sidecars_.clear();
    std::filesystem::current_path(old_cwd_);
    ::setrlimit(RLIMIT_CORE, &old_core_limit_);
  }

  std::string Log(const std::string& name) { return work_ / ("logs/" + name + ".log"); }
  std::string Out(const std::string& workload) { return work_ / ("out/" + workload); }

  // One vsecm-sentinel run; its stdout and stderr go to a log of their own (scanned later).
  int Sentinel(std::vector<std::string> args) {
    std::vector<std::string> all = {"--safe-url", ApiUrl(), "--svid-dir", safe_.Sentinel()};
    all.insert(all.end(), args.begin(), args.end());
    DeliveryProcess p;
    const std::string log = Log(fmt::format("sentinel-{}", ++sentinel_runs_));
    if (!p.Start("vsecm-sentinel", all, {{"VSECM_LOG_LEVEL", "debug"}}, log)) return -1;
    last_sentinel_log_ = log;
    return p.Wait(30).value_or(-2);
  }
  std::string LastSentinelOutput() { return ReadAll(last_sentinel_log_); }

  std::string ApiUrl() { return safe_.endpoints()["api"].get<std::string>() + "/"; }

  std::vector<std::string> DeliveryArgs(const std::string& workload) {
    return {"--safe-url", ApiUrl(), "--svid-dir", svid_[workload]};
  }
  std::map<std::string, std::string> DeliveryEnv(const std::string& workload) {
    return {{"VSECM_LOG_LEVEL", "debug"},
            {"VSECM_SIDECAR_POLL_INTERVAL", "50"},
            {"VSECM_SIDECAR_MAX_POLL_INTERVAL", "200"},
            {"VSECM_INIT_CONTAINER_POLL_INTERVAL", "50"},
            {"VSECM_SIDECAR_SECRETS_PATH", Out(workload)}};
  }
  DeliveryProcess& StartSidecar(const std::string& workload, std::vector<std::string> extra = {}) {
    auto& p = sidecars_.emplace_back(std::make_unique<DeliveryProcess>());
    std::vector<std::string> args = DeliveryArgs(workload);
    args.insert(args.end(), extra.begin(), extra.end());
    p->Start("vsecm-sidecar", args, DeliveryEnv(workload),
             Log(fmt::format("sidecar-{}-{}", workload, sidecars_.size())));
    return *p;
  }
  int RunInitContainer(const std::string& workload, std::vector<std::string> extra = {}) {
    DeliveryProcess p;
    std::vector<std::string> args = DeliveryArgs(workload);
    args.insert(args.end(), extra.begin(), extra.end());
    p.Start("vsecm-init-container", args, DeliveryEnv(workload),
            Log(fmt::format("init-{}-{}", workload, ++init_runs_)));
    return p.Wait(30).value_or(-2);
  }
  bool OutputIs(const std::string& workload, const std::string& expected) {
    return Eventually([&] { return ReadAll(Out(workload)) == expected; });
  }

  pid_t SafePid() { return FindChildPid("vsecm-safe dev --dir " + safe_.dir().path() + " "); }

  // Takes a core file of the running process `pid` with gdb's gcore, scans it, deletes it.
  void ScanCore(const CanaryScanner& scanner, const std::string& label, pid_t pid) {
    ASSERT_GT(pid, 0) << "cannot find the pid for the " << label << " core";
    if (kSanitizedBuild) {
      skipped_.push_back(fmt::format("a sanitizer build: the {} core (shadow memory, quarantine) "
                                     "is not scanned; the release build scans it", label));
      return;
    }
    if (!HaveGdb()) {
      ADD_FAILURE() << "gdb is not installed: the core scan cannot run";
      return;
    }
    GcoreResult core = Gcore(pid, work_ / ("core/" + label + ".core"));
    if (core.core_path.empty()) {
      if (core.ptrace_refused) {
        skipped_.push_back(fmt::format("gdb could not attach to the {} (pid {}), so no core "
                                       "was scanned: {}", label, pid, core.output));
        return;
      }
      ADD_FAILURE() << "gdb wrote no " << label << " core: " << core.output;
      return;
    }
    uint64_t bytes = 0;
    std::vector<Hit> hits = scanner.ScanFile(core.core_path, &bytes);
    std::cout << fmt::format("[canary] store {}: {} core (pid {}): {} bytes, {} hits\n", GetParam(),
                             label, pid, bytes, hits.size());
    std::string headers(1 << 20, '\0');  // the ELF and program headers, at the start
    std::ifstream(core.core_path, std::ios::binary).read(headers.data(), headers.size());
    for (const Hit& h : hits) {
      ADD_FAILURE() << "canary in the " << label << " core (" << CoreRegion(headers, h.offset)
                    << "): " << scanner.Describe(h);
    }
    EXPECT_GT(bytes, 1u << 20) << "a suspiciously small core file";
    core_bytes_ += bytes;
    // To look into a hit: VSECM_CANARY_KEEP_CORES=DIR keeps each core there (canaries only).
    if (const char* keep = std::getenv("VSECM_CANARY_KEEP_CORES")) {
      std::filesystem::copy_file(core.core_path,
                                 fmt::format("{}/{}-{}.core", keep, GetParam(), label),
                                 std::filesystem::copy_options::overwrite_existing);
    }
    std::filesystem::remove(core.core_path);
  }

  // Part 2 of the test, on the running Safe (which it stops).
  void ShowCoreDumpsAreOff() {
    const pid_t pid = SafePid();
    ASSERT_GT(pid, 0);
    const std::string safe_limits = CoreLimits(pid);
    EXPECT_EQ(safe_limits, "0 0");
    const std::string cwd = work_ / "cwd";
    EXPECT_EQ(std::filesystem::read_symlink(fmt::format("/proc/{}/cwd", pid)).string(), cwd);
    ControlChild control;
    const int control_errno = MemoryReadErrno(control.pid());
    const int safe_errno = MemoryReadErrno(pid);
    EXPECT_EQ(control_errno, EFAULT) << "the control must be readable";
    EXPECT_EQ(safe_errno, EPERM) << "the Safe is dumpable";
    std::cout << fmt::format(
        "[canary] store {}: Safe's core limit (soft hard) {}; process_vm_readv without an "
        "effective CAP_SYS_PTRACE: Safe \"{}\", control \"{}\"\n",
        GetParam(), safe_limits, std::strerror(safe_errno), std::strerror(control_errno));
    if (kSanitizedBuild) {
      // ASan turns a SIGSEGV into a report (which fails the sanitized run) and lowers the core
      // limit of every process it starts in; the crash checks run in the release build.
      skipped_.push_back("a sanitizer build: the crash checks (SIGSEGV, SIGABRT) are not run");
      return;
    }
    EXPECT_NE(CoreLimits(::getpid()), "0 0") << "the test could not raise its own core limit";

    // With a plain core_pattern ("core", "core.%p", a path) the kernel writes the file itself,
    // into the crashing process's cwd when relative, and only for a dumpable process whose
    // RLIMIT_CORE allows it, so a missing file here is the Safe's doing (the control shows the
    // same crash does leave one). With a pipe ("|/usr/lib/systemd/systemd-coredump ...") the
    // kernel ignores RLIMIT_CORE and hands the image to that helper, yet still only for a
    // dumpable process (suid_dumpable 0); nothing shows up in the cwd either way, so then the
    // limits and dumpable evidence above carry the proof and coredumpctl (or the helper's own
    // store) is where one would look.
    const std::string pattern = ReadText("/proc/sys/kernel/core_pattern");
    const bool piped = !pattern.empty() && pattern[0] == '|';
    EXPECT_EQ(safe_.Kill(SIGSEGV), -SIGSEGV);
    const size_t after_segv = CoreFilesIn(cwd).size();
    EXPECT_EQ(after_segv, 0u) << "the Safe dumped core after SIGSEGV";
    ASSERT_TRUE(safe_.Start()) << safe_.Log();
    ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
    EXPECT_EQ(safe_.Kill(SIGABRT), -SIGABRT);
    const size_t after_abrt = CoreFilesIn(cwd).size();
    EXPECT_EQ(after_abrt, 0u) << "the Safe dumped core after SIGABRT";
    const bool control_dumped = control.KillAndReportCore(SIGABRT);
    const std::vector<std::string> control_cores = CoreFilesIn(cwd);
    if (!piped) {
      EXPECT_TRUE(control_dumped) << "core_pattern " << pattern;
      EXPECT_FALSE(control_cores.empty()) << "the control left no core in " << cwd;
    }
    std::cout << fmt::format(
        "[canary] store {}: core_pattern \"{}\"; core files in the Safe's cwd after SIGSEGV {}, "
        "after SIGABRT {}; the control's SIGABRT: {} file(s), {}\n",
        GetParam(), pattern.substr(0, pattern.find('\n')), after_segv, after_abrt,
        control_cores.size(), control_dumped ? "WCOREDUMP" : "no WCOREDUMP");
    for (const auto& f : control_cores) std::filesystem::remove(f);
  }

  TempDir work_;
  DevSafe safe_{std::map<std::string, std::string>{{"VSECM_LOG_LEVEL", "debug"}}};
  std::map<std::string, std::string> svid_;
  std::vector<std::unique_ptr<DeliveryProcess>> sidecars_;
  std::filesystem::path old_cwd_;
  rlimit old_core_limit_{};
  std::string last_sentinel_log_;
  std::vector<std::string> skipped_;  // parts that could not run here, and why
  uint64_t core_bytes_ = 0;
  int sentinel_runs_ = 0;
  int init_runs_ = 0;
};

TEST_P(CanaryScanTest, AFullSessionLeavesNoPlainTextOutsideTheWorkloadsFile) {
  const auto started = std::chrono::steady_clock::now();
  const Canaries c;
  const CanaryScanner scanner(c.All());
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  const std::string port = std::regex_replace(ApiUrl(), std::regex(".*:(\\d+)/$"), "$1");
  for (const char* w : {"cn-plain", "cn-tmpl", "cn-yaml", "cn-update", "cn-deleted", "cn-enc"}) {
    svid_[w] = safe_.IssueSvid(WorkloadId(w), w);
  }

  // The init container waits for its secret, which Sentinel then creates.
  DeliveryProcess init;
  ASSERT_TRUE(init.Start("vsecm-init-container", DeliveryArgs("cn-plain"), DeliveryEnv("cn-plain"),
                         Log("init-cn-plain-0")));
  ASSERT_EQ(Sentinel({"-w", "cn-plain", "-s", c.plain}), 0) << LastSentinelOutput();
  ASSERT_EQ(init.Wait(30), 0) << init.Log();

  // A template and the JSON format; the YAML format; an update; an encrypt-only round trip.
  const std::string tmpl_value = fmt::format(R"({{"user":"admin","pass":"{}"}})", c.templated);
  ASSERT_EQ(Sentinel({"-w", "cn-tmpl", "-s", tmpl_value, "-t", R"({"PASSWORD":"{{.pass}}"})", "-f",
                      "json"}), 0) << LastSentinelOutput();
  const std::string yaml_value = fmt::format(R"({{"token":"{}","port":5432}})", c.yaml);
  ASSERT_EQ(Sentinel({"-w", "cn-yaml", "-s", yaml_value, "-f", "yaml"}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"-w", "cn-update", "-s", c.first}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"-w", "cn-deleted", "-s", c.deleted}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"-e", "-s", c.encrypted}), 0) << LastSentinelOutput();
  std::string cipher = LastSentinelOutput();  // its log lines, then the cipher text
  cipher.erase(cipher.find_last_not_of("\r\n") + 1);
  cipher.erase(0, cipher.rfind('\n') + 1);
  ASSERT_EQ(cipher.find(c.encrypted), std::string::npos);
  ASSERT_EQ(Sentinel({"-w", "cn-enc", "-e", "-s", cipher}), 0) << LastSentinelOutput();

  // The workloads fetch: sidecars write their files, the one place plain text belongs.
  DeliveryProcess& tmpl = StartSidecar("cn-tmpl");
  DeliveryProcess& update = StartSidecar("cn-update");
  ASSERT_TRUE(OutputIs("cn-tmpl", fmt::format(R"({{"PASSWORD":"{}"}})", c.templated)))
      << tmpl.Log();
  ASSERT_TRUE(OutputIs("cn-update", c.first)) << update.Log();
  ASSERT_EQ(Sentinel({"-w", "cn-update", "-s", c.second}), 0) << LastSentinelOutput();
  ASSERT_TRUE(OutputIs("cn-update", c.second)) << update.Log();
  StartSidecar("cn-yaml", {"--once"});
  ASSERT_TRUE(OutputIs("cn-yaml", fmt::format("port: 5432\ntoken: {}\n", c.yaml)));
  StartSidecar("cn-enc", {"--once"});
  ASSERT_TRUE(OutputIs("cn-enc", c.encrypted));

  // Listings (names, then values encrypted), a delete, and the deleted secret is gone.
  ASSERT_EQ(Sentinel({"-l"}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"-l", "--json"}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"--reveal", "--json"}), 0) << LastSentinelOutput();
  ASSERT_EQ(Sentinel({"-d", "-w", "cn-deleted"}), 0) << LastSentinelOutput();
  EXPECT_EQ(RunInitContainer("cn-deleted", {"--timeout", "300"}), 1);

  // 1a. A core file of the Safe that served all of that: no canary outside locked memory.
  ScanCore(scanner, "safe-before-restart", SafePid());

  // SIGTERM, a restart on the same port, recovery from the store, more fetches.
  ASSERT_EQ(safe_.Kill(SIGTERM), 0) << safe_.Log();
  safe_.SetEnv("VSECM_SAFE_TLS_PORT", port);
  ASSERT_TRUE(safe_.Start()) << safe_.Log();
  ASSERT_TRUE(safe_.WaitReady()) << safe_.Log();
  EXPECT_EQ(RunInitContainer("cn-plain"), 0);
  const size_t delivered = update.Count("secret delivered");
  ASSERT_TRUE(Eventually([&] { return update.Count("secret delivered") > delivered; }))
      << update.Log();
  ASSERT_EQ(Sentinel({"-w", "cn-update", "-s", c.third}), 0) << LastSentinelOutput();
  ASSERT_TRUE(OutputIs("cn-update", c.third)) << update.Log();
  std::filesystem::remove(Out("cn-yaml"));
  StartSidecar("cn-yaml", {"--once"});
  ASSERT_TRUE(OutputIs("cn-yaml", fmt::format("port: 5432\ntoken: {}\n", c.yaml)));
  EXPECT_EQ(RunInitContainer("cn-deleted", {"--timeout", "300"}), 1);
  ASSERT_EQ(Sentinel({"-l", "--json"}), 0);
  EXPECT_EQ(LastSentinelOutput().find("cn-deleted"), std::string::npos);
  EXPECT_NE(LastSentinelOutput().find("cn-update"), std::string::npos);

  // 1b. A core file of the recovered Safe, still running and holding every secret.
  ScanCore(scanner, "safe-after-recovery", SafePid());
  // And of the sidecar that fetched every version of cn-update (the client library's path).
  ScanCore(scanner, "sidecar",
           FindChildPid("vsecm-sidecar --safe-url " + ApiUrl() + " --svid-dir " +
                        svid_["cn-update"] + " "));

  // 2. Core dumps are off: limits 0/0, not dumpable, and a crash leaves no core file.
  for (auto& s : sidecars_) s->Signal(SIGTERM);
  for (auto& s : sidecars_) EXPECT_TRUE(s->Wait(10).has_value());
  ShowCoreDumpsAreOff();

  // 3. Every file the session left, but the workloads' own: store files and backups, the audit
  // journal, the Safe's SVIDs, CA and key, and the logs of every process.
  std::set<std::string> excluded;
  for (const char* w : {"cn-tmpl", "cn-update", "cn-yaml", "cn-enc"}) excluded.insert(Out(w));
  TreeScan files = ScanTrees(scanner, {safe_.dir().path(), work_.path()}, excluded);
  std::cout << fmt::format("[canary] store {}: {} files, {} bytes scanned; {} needles ({} canaries "
                           "x raw, hex, HEX, base64 and base64url at 3 alignments)\n",
                           GetParam(), files.files, files.bytes, scanner.needle_count(),
                           scanner.canaries().size());
  for (const std::string& line : files.lines) std::cout << "[canary]   " << line << "\n";
  for (const Hit& h : files.hits) ADD_FAILURE() << "canary on disk: " << scanner.Describe(h);
  EXPECT_TRUE(files.hits.empty());
  EXPECT_GE(files.files, 20u);
  // The scanner finds what is there: each workload's file holds its canary.
  uint64_t ignored = 0;
  EXPECT_EQ(scanner.ScanFile(Out("cn-update"), &ignored).size(), 1u);
  EXPECT_EQ(scanner.ScanFile(Out("cn-enc"), &ignored).size(), 1u);
  std::cout << fmt::format("[canary] store {}: cores {} bytes in all, session {} ms\n", GetParam(),
                           core_bytes_,
                           std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now() - started).count());
  if (!skipped_.empty()) {
    std::string why;
    for (const std::string& s : skipped_) why += (why.empty() ? "" : "; ") + s;
    GTEST_SKIP() << why;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, CanaryScanTest, ::testing::Values("fs", "rocksdb", "sqlcipher"));

}  // namespace
}  // namespace vsecm::testing
