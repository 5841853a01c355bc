#include "measure.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

extern char** environ;

namespace vsecm::bench {
namespace {

using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// One plain HTTP/1.0 GET on 127.0.0.1; the status code and body, or nullopt when nothing
// answered (not listening yet, or timed out).
std::optional<std::pair<int, std::string>> HttpGet(uint16_t port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    std::string request = fmt::format("GET {} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      char buf[8192];
      for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0 && reply.size() < (4u << 20);) {
        reply.append(buf, static_cast<size_t>(n));
      }
    }
  }
  ::close(fd);
  int status = 0;
  if (std::sscanf(reply.c_str(), "HTTP/%*d.%*d %d", &status) != 1) return std::nullopt;
  size_t body = reply.find("\r\n\r\n");
  return std::pair{status, body == std::string::npos ? std::string() : reply.substr(body + 4)};
}

// "http://127.0.0.1:8082/metrics" → 8082.
uint16_t PortOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t colon = url.find(':', scheme == std::string::npos ? 0 : scheme + 3);
  if (colon == std::string::npos) return 0;
  return static_cast<uint16_t>(std::strtoul(url.c_str() + colon + 1, nullptr, 10));
}

// "VmRSS:   12345 kB" → 12345.
long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream in(fmt::format("/proc/{}/status", pid));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

double Metric(const std::string& text, const std::string& name) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return -1;
}

// Stops the Safe: SIGTERM, then SIGKILL if it has not exited within 60 s.
int Stop(pid_t pid) {
  ::kill(pid, SIGTERM);
  int status = 0;
  for (int i = 0; i < 600; ++i) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
  return -SIGKILL;
}

}  // namespace

StatusOr<MeasureResult> MeasureColdStart(const MeasureOptions& o) {
  const std::string endpoints = o.dir + "/endpoints.json";
  std::filesystem::remove(endpoints);
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (kv.rfind("VSECM_", 0) != 0 && kv.rfind("SPIFFE_", 0) != 0) env_strings.push_back(kv);
  }
  for (const char* port : {"VSECM_SAFE_TLS_PORT", "VSECM_PROBE_LIVENESS_PORT",
                           "VSECM_PROBE_READINESS_PORT", "VSECM_SAFE_METRICS_PORT"}) {
    env_strings.push_back(std::string(port) + "=0");
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = {o.safe_binary, "dev", "--dir", o.dir};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = o.dir + "/cold-start.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);

  MeasureResult r;
  pid_t pid = -1;
  const auto start = Clock::now();
  int rc = ::posix_spawn(&pid, o.safe_binary.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return Internal(fmt::format("cannot start {}: {}", o.safe_binary, std::strerror(rc)));

  const auto deadline = start + std::chrono::seconds(o.timeout_s);
  auto alive = [pid, &r] {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return true;
    r.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return false;
  };
  auto fail = [&](std::string why) -> Status {
    if (alive()) Stop(pid);
    return Unavailable(fmt::format("{} (see {})", why, log));
  };
  while (!std::filesystem::exists(endpoints)) {
    if (!alive()) return Unavailable(fmt::format("the Safe exited with {} (see {})", r.exit_status, log));
    if (Clock::now() > deadline) return fail("the Safe did not start listening in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  r.listen_ms = MsSince(start);
  nlohmann::json urls = nlohmann::json::parse(std::ifstream(endpoints), nullptr, false);
  if (urls.is_discarded() || !urls.contains("readiness") || !urls.contains("metrics")) {
    return fail(endpoints + " is not what `vsecm-safe dev` writes");
  }
  const uint16_t readiness = PortOf(urls["readiness"].get<std::string>());
  const uint16_t metrics = PortOf(urls["metrics"].get<std::string>());
  for (;;) {
    auto answer = HttpGet(readiness, "/");
    if (answer && answer->first == 200) break;
    if (!alive()) return Unavailable(fmt::format("the Safe exited with {} (see {})", r.exit_status, log));
    if (Clock::now() > deadline) return fail("the Safe did not become ready in time");
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  r.ready_ms = MsSince(start);
  r.rss_kib = StatusKib(pid, "VmRSS");
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<long>(o.settle_s * 1000)));
  r.rss_settled_kib = StatusKib(pid, "VmRSS");
  r.hwm_kib = StatusKib(pid, "VmHWM");
  if (auto m = HttpGet(metrics, "/metrics"); m && m->first == 200) {
    r.secrets = static_cast<size_t>(std::max(0.0, Metric(m->second, "vsecm_safe_secrets")));
    r.recovery_ms = Metric(m->second, "vsecm_safe_recovery_seconds") * 1000.0;
    r.recovery_failures = static_cast<size_t>(std::max(0.0, Metric(m->second, "vsecm_safe_recovery_failures")));
  }
  r.exit_status = Stop(pid);
  return r;
}

}  // namespace vsecm::bench
