// Runs a real `vsecm-safe dev` process for end-to-end tests, on ports the system picks, and
// talks to it with the stock curl, as an operator would.
#ifndef VSECM_TESTS_SAFE_DEV_SAFE_HPP_
#define VSECM_TESTS_SAFE_DEV_SAFE_HPP_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

extern char** environ;

namespace vsecm::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
};

inline CommandResult Shell(const std::string& command) {
  CommandResult r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) r.out.append(buf, n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string Quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// An HTTP answer as curl saw it: status 0 means no HTTP exchange (handshake refused...).
struct HttpAnswer {
  int status = 0;
  std::string body;
  int curl_exit = 0;
  std::string curl_error;  // curl's own message when it failed ("... alert certificate expired")
};

// One row of docs/SECURITY.md's bad-input matrix: scripts/security_report.sh collects the
// lines every test of the Safe prints this way.
inline void PrintMatrixRow(std::string_view name, std::string_view request, std::string_view answer,
                           std::string_view says) {
  std::cout << fmt::format("[ matrix   ] {} | {} | {} | {}\n", name, request, answer, says);
}

class DevSafe {
 public:
  explicit DevSafe(std::map<std::string, std::string> env = {}) : env_(std::move(env)) {}
  ~DevSafe() { Kill(SIGKILL); }

  // Starts the Safe on `dir` (a fresh one by default) and waits until it listens.
  bool Start(int timeout_seconds = 60) {
    std::filesystem::remove(dir_ / "endpoints.json");
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      if (kv.rfind("VSECM_", 0) != 0 && kv.rfind("SPIFFE_", 0) != 0) env_strings.push_back(kv);
    }
    std::map<std::string, std::string> env = {{"VSECM_SAFE_TLS_PORT", "0"},
                                              {"VSECM_PROBE_LIVENESS_PORT", "0"},
                                              {"VSECM_PROBE_READINESS_PORT", "0"},
                                              {"VSECM_SAFE_METRICS_PORT", "0"}};
    for (const auto& [k, v] : env_) env[k] = v;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string bin = std::string(VSECM_TEST_BIN_DIR) + "/vsecm-safe";
    std::string log = dir_ / "safe.log";
    std::vector<std::string> args = launcher_;
    for (const auto& a : {bin, std::string("dev"), std::string("--dir"), dir_.path()}) args.push_back(a);
    for (const auto& a : extra_args_) args.push_back(a);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return false;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(dir_ / "endpoints.json")) {
        endpoints_ = nlohmann::json::parse(ReadAll(dir_ / "endpoints.json"));
        return true;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  bool WaitReady(int timeout_seconds = 60) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      if (Plain(endpoints_["readiness"]).status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // Sends `signal` and waits for the process; returns its exit status (or -signal).
  int Kill(int signal) {
    if (pid_ <= 0) return 0;
    ::kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }

  // Waits for the Safe to exit by itself; its exit status, or nullopt if it still runs.
  std::optional<int> WaitExit(int timeout_seconds = 60) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
    while (pid_ > 0 && std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return std::nullopt;
  }

  // An SVID from the dev CA for `spiffe_id`, in a directory of its own.
  std::string IssueSvid(const std::string& spiffe_id, const std::string& name) {
    std::string out = dir_ / ("svid/" + name);
    Shell(fmt::format("{}/vsecm-keygen svid --ca-dir {} --spiffe-id {} --out {}", VSECM_TEST_BIN_DIR,
                      Quote(dir_ / "ca"), Quote(spiffe_id), Quote(out)));
    return out;
  }

  // A request over mutual TLS with the SVID in `svid_dir` ("" = no client certificate).
  HttpAnswer Call(const std::string& svid_dir, const std::string& method, const std::string& path,
                  const std::string& body = "", const std::string& ca = "") const {
    std::string cacert = ca.empty() ? dir_ / "svid/safe/svid_bundle.pem" : ca;
    std::string cmd = fmt::format("curl -sS --max-time 20 -o {} -w '%{{http_code}}' --cacert {} -X {} ",
                                  Quote(dir_ / "curl.body"), Quote(cacert), method);
    if (!svid_dir.empty()) {
      cmd += fmt::format("--cert {} --key {} ", Quote(svid_dir + "/svid.pem"),
                         Quote(svid_dir + "/svid_key.pem"));
    }
    if (!body.empty()) {
      std::ofstream(dir_ / "curl.request", std::ios::binary | std::ios::trunc) << body;
      cmd += fmt::format("-H 'Content-Type: application/json' --data-binary @{} ",
                         Quote(dir_ / "curl.request"));
    }
    cmd += Quote(endpoints_["api"].get<std::string>() + path);
    return Curl(cmd);
  }

  HttpAnswer Plain(const std::string& url) const {
    return Curl(fmt::format("curl -sS --max-time 20 -o {} -w '%{{http_code}}' {}",
                            Quote(dir_ / "curl.body"), Quote(url)));
  }

  std::string Sentinel() const { return dir_ / "svid/sentinel"; }
  pid_t pid() const { return pid_; }  // -1 when not running
  const TempDir& dir() const { return dir_; }
  const nlohmann::json& endpoints() const { return endpoints_; }
  std::string Log() const { return ReadAll(dir_ / "safe.log"); }
  void AddArgs(std::vector<std::string> args) { extra_args_ = std::move(args); }
  void SetEnv(const std::string& k, const std::string& v) { env_[k] = v; }
  // Runs the Safe through a shell that first runs `setup` (e.g. "ulimit -n 600") and then execs
  // it, so pid() stays the Safe's.
  void SetShellSetup(const std::string& setup) {
    launcher_ = {"/bin/sh", "-c", setup + " && exec \"$@\"", "sh"};
  }

 private:
  HttpAnswer Curl(const std::string& cmd) const {
    std::filesystem::remove(dir_ / "curl.body");
    CommandResult r = Shell(cmd);
    HttpAnswer a;
    a.curl_exit = r.exit_code;
    // -w prints the status last; whatever precedes it is curl's error message (-sS).
    size_t split = r.out.size() >= 3 ? r.out.size() - 3 : 0;
    try {
      a.status = std::stoi(r.out.substr(split));
    } catch (...) {
      a.status = 0;
    }
    a.curl_error = r.out.substr(0, split);
    a.body = ReadAll(dir_ / "curl.body");
    return a;
  }

  std::map<std::string, std::string> env_;
  std::vector<std::string> extra_args_;
  std::vector<std::string> launcher_;  // before the Safe's own command line
  TempDir dir_;
  pid_t pid_ = -1;
  nlohmann::json endpoints_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SAFE_DEV_SAFE_HPP_
