// Runs the real vsecm-sentinel binary against a DevSafe, as an operator would.
#ifndef VSECM_TESTS_SENTINEL_SENTINEL_RUNNER_HPP_
#define VSECM_TESTS_SENTINEL_SENTINEL_RUNNER_HPP_

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "client_test_support.hpp"

namespace vsecm::testing {

struct SentinelRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `vsecm-sentinel ARGS` with Sentinel's SVID and the Safe's URL unless `connection` is false;
// `input` is its stdin, `env` extra environment.
inline SentinelRun RunSentinel(const DevSafe& safe, const std::vector<std::string>& args,
                               const std::string& input = "",
                               const std::map<std::string, std::string>& env = {},
                               bool connection = true) {
  std::string cmd = "env";
  for (const auto& [k, v] : env) cmd += " " + Quote(k + "=" + v);
  cmd += " " + Quote(std::string(VSECM_TEST_BIN_DIR) + "/vsecm-sentinel");
  if (connection) cmd += " --safe-url " + Quote(ApiUrl(safe)) + " --svid-dir " + Quote(safe.Sentinel());
  for (const auto& a : args) cmd += " " + Quote(a);
  // Files of their own: a test may run two Sentinels at once (an operator beside `init`).
  static std::atomic<int> runs{0};
  const std::string tag = std::to_string(++runs);
  const std::string in_path = safe.dir() / ("sentinel-" + tag + ".in");
  const std::string err_path = safe.dir() / ("sentinel-" + tag + ".err");
  {
    std::ofstream(in_path, std::ios::binary | std::ios::trunc) << input;
  }
  cmd += " < " + Quote(in_path) + " 2> " + Quote(err_path);
  SentinelRun run;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  while (size_t n = std::fread(buf, 1, sizeof buf, pipe)) run.out.append(buf, n);
  int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = ReadAll(err_path);
  return run;
}

inline size_t LineCount(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SENTINEL_SENTINEL_RUNNER_HPP_
