// Runs vsecm-sidecar or vsecm-init-container as a child process for end-to-end tests: its own
// environment (nothing VSECM_/SPIFFE_ inherited), stderr and stdout into a log file, and waits
// that poll a condition with a generous deadline (no timing assertions).
#ifndef VSECM_TESTS_SIDECAR_DELIVERY_PROCESS_HPP_
#define VSECM_TESTS_SIDECAR_DELIVERY_PROCESS_HPP_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.hpp"

extern char** environ;

namespace vsecm::testing {

// Polls `condition` every 20 ms until it holds or `seconds` pass.
inline bool Eventually(const std::function<bool()>& condition, int seconds = 30) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return condition();
}

class DeliveryProcess {
 public:
  ~DeliveryProcess() { Signal(SIGKILL); Wait(10); }

  bool Start(const std::string& binary, const std::vector<std::string>& args,
             const std::map<std::string, std::string>& env, const std::string& log_path) {
    log_path_ = log_path;
    std::vector<std::string> env_strings;
    for (char** e = environ; *e; ++e) {
      std::string kv = *e;
      if (kv.rfind("VSECM_", 0) != 0 && kv.rfind("SPIFFE_", 0) != 0) env_strings.push_back(kv);
    }
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::string bin = std::string(VSECM_TEST_BIN_DIR) + "/" + binary;
    std::vector<std::string> argv_strings = {bin};
    argv_strings.insert(argv_strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    int rc = posix_spawn(&pid_, bin.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) pid_ = -1;
    return rc == 0;
  }

  void Signal(int signal) {
    if (pid_ > 0 && !exit_code_) ::kill(pid_, signal);
  }

  // The exit code (or -signal) once the process ended within `seconds`; nullopt if it still runs.
  std::optional<int> Wait(int seconds) {
    if (pid_ <= 0 || exit_code_) return exit_code_;
    Eventually([this] { return Poll(); }, seconds);
    return exit_code_;
  }

  bool Running() { return pid_ > 0 && !Poll(); }

  std::string Log() const { return ReadAll(log_path_); }

  // How often `pattern` matches the log so far.
  size_t Count(const std::string& pattern) const {
    std::string log = Log();
    std::regex re(pattern);
    return static_cast<size_t>(std::distance(std::sregex_iterator(log.begin(), log.end(), re),
                                             std::sregex_iterator()));
  }

 private:
  bool Poll() {
    if (exit_code_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    return true;
  }

  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SIDECAR_DELIVERY_PROCESS_HPP_
