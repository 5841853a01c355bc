// vsecm-crash-writer: a real SafeKernel (crypto vsecm-crypto-aes, the store named on the
// command line) upserting secrets in a loop until it is killed. After each Upsert returns ok
// it writes one line to stdout with a single write(2):
//   ACK <name> <value digest> <counter>
// so every line the parent reads is an acknowledged write. Values come from crash_workload.hpp.
//
//   vsecm-crash-writer --plugin-dir=DIR --store=NAME [--setting=key=value]...
//                      [--start=N] [--names=K] [--count=M]
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "crash_workload.hpp"
#include "kernel_fixture.hpp"
#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/root_key.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace {

class DiscardAudit final : public vsecm::kernel::AuditSink {
 public:
  void Record(const vsecm::kernel::AuditEvent&) override {}
};

bool WriteLine(const std::string& line) {
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

int Fail(const std::string& what) {
  std::fprintf(stderr, "vsecm-crash-writer: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace vsecm;
  std::string plugin_dir, store;
  std::map<std::string, std::string> settings;
  uint64_t start = 0, names = crash::kDefaultNameCount, count = UINT64_MAX;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* flag) -> const char* {
      size_t n = std::strlen(flag);
      return arg.compare(0, n, flag) == 0 ? argv[i] + n : nullptr;
    };
    if (const char* v = value("--plugin-dir=")) plugin_dir = v;
    else if (const char* v = value("--store=")) store = v;
    else if (const char* v = value("--start=")) start = std::strtoull(v, nullptr, 10);
    else if (const char* v = value("--names=")) names = std::strtoull(v, nullptr, 10);
    else if (const char* v = value("--count=")) count = std::strtoull(v, nullptr, 10);
    else if (const char* v = value("--setting=")) {
      std::string kv = v;
      size_t eq = kv.find('=');
      if (eq == std::string::npos) return Fail("--setting wants key=value");
      settings[kv.substr(0, eq)] = kv.substr(eq + 1);
    } else {
      return Fail("unknown argument " + arg);
    }
  }
  if (plugin_dir.empty() || store.empty() || names == 0) {
    return Fail("usage: --plugin-dir=DIR --store=NAME [--setting=k=v]... [--start=N] [--names=K]");
  }

  kernel::SafeKernel::Options options;
  options.env = [](const char*) { return std::optional<std::string>(); };
  options.audit = std::make_unique<DiscardAudit>();
  auto k = kernel::SafeKernel::Create(crash::CrashKernelConfig(plugin_dir, store, settings),
                                      std::move(options));
  if (!k.ok()) return Fail("starting the kernel: " + k.status().ToString());
  auto root_key = kernel::RootKey::Parse(
      {reinterpret_cast<const uint8_t*>(testing::kTestRootKey), std::strlen(testing::kTestRootKey)});
  if (!root_key.ok()) return Fail("root key: " + root_key.status().ToString());
  if (Status s = (*k)->InstallRootKey(*root_key); !s.ok()) return Fail("root key: " + s.ToString());
  kernel::RecoveryReport report = (*k)->registry().Recover();
  for (const auto& [name, why] : report.failed) {
    std::fprintf(stderr, "vsecm-crash-writer: recovery of %s failed: %s\n", name.c_str(),
                 why.ToString().c_str());
  }
  if (!WriteLine("READY " + std::to_string(report.loaded) + "\n")) return Fail("stdout closed");

  kernel::Caller caller{"crash-writer", ""};
  for (uint64_t i = start; i - start < count; ++i) {
    kernel::UpsertRequest request;
    request.workloads = {crash::NameFor(i, names)};
    request.values.push_back(crash::ValueFor(i));
    const std::string digest = crash::Digest(request.values.back().Expose());
    if (Status s = (*k)->registry().Upsert(caller, request); !s.ok()) {
      return Fail("upsert " + std::to_string(i) + ": " + s.ToString());
    }
    if (!WriteLine("ACK " + request.workloads[0] + " " + digest + " " + std::to_string(i) + "\n")) {
      return Fail("stdout closed");
    }
  }
  return 0;
}
