// A real SPIRE (spire-server and spire-agent v1.13.3, built by scripts/peers/spire.sh) for
// end-to-end tests, all inside the test's own temporary folder:
//
//   DIR/server/   server.conf, the SQLite datastore, the server API socket, server.log
//   DIR/agent/    agent.conf, the agent's data (its SVID and disk keys), the Workload API socket
//   DIR/bin/X/    copies of our binaries, so that `unix:path:` selectors tell workloads apart
//
// The server listens on 127.0.0.1 (a port the test picks) for the agent; the agent attests with
// a join token and attests workloads with the `unix` plugin (path and sha256 selectors). Every
// process runs in its own process group, and the fixture kills each group when it ends. Waits
// poll a condition with a generous deadline; nothing asserts how long anything took.
#ifndef VSECM_TESTS_SPIRE_SPIRE_FIXTURE_HPP_
#define VSECM_TESTS_SPIRE_SPIRE_FIXTURE_HPP_

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "vsecm/identity/identity_source.hpp"

namespace vsecm::testing {

// Polls `condition` every 50 ms until it holds or `seconds` pass.
bool Eventually(const std::function<bool()>& condition, int seconds = 60);

// The folder holding spire-server and spire-agent: $VSECM_SPIRE_BIN_DIR, else the one
// scripts/peers/spire.sh --print-path printed when CMake configured the build.
std::string SpireBinDir();

struct RunResult {
  int exit_code = -1;
  std::string out;  // stdout and stderr together
};

// Runs a command (argv, no shell) to completion, at most `timeout_seconds`, with the cleaned
// environment below plus `env`.
RunResult RunCommand(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env = {},
                     int timeout_seconds = 60);

// A child process in a process group of its own, its stdout and stderr appended to a log file.
// Its environment is ours without VSECM_*, SPIFFE_*, KUBERNETES_* and KUBECONFIG, plus `env`.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess() { Kill(); }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool Start(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& log_path);
  // Sends `signal` to the whole group.
  void Signal(int signal);
  // SIGKILL to the group, then reaps the process. Safe to call twice.
  void Kill();
  // The exit code (or -signal) once the process ended within `seconds`; nullopt if it still runs.
  std::optional<int> Wait(int seconds);
  bool Running();
  pid_t pid() const { return pid_; }
  std::string Log() const;
  // How often the ECMAScript regex `pattern` matches the log so far.
  size_t Count(const std::string& pattern) const;

 private:
  bool Poll();
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::string log_path_;
};

// Certificate facts as a TLS client saw them.
struct SeenCertificate {
  std::string serial;  // hex
  int64_t not_after = 0;
  std::string spiffe_id;
};

class SpireTest : public ::testing::Test {
 protected:
  static constexpr const char* kTrustDomain = "vsecm.com";

  void SetUp() override;
  void TearDown() override;

  // ---- SPIRE
  std::string AgentSpiffeId() const { return agent_id_; }
  std::string WorkloadSocket() const { return "unix://" + agent_socket_; }
  // `spire-server ARGS... -socketPath <server socket>`.
  RunResult ServerCli(std::vector<std::string> args);
  // `spire-server entry create` under the agent; ttl_seconds 0 keeps the server's default.
  // Returns false (and records a test failure) when the server refuses.
  bool Register(const std::string& spiffe_id, const std::vector<std::string>& selectors,
                int ttl_seconds = 0, const std::vector<std::string>& extra_args = {});
  // Blocks until the agent has synced every entry created so far (a probe entry created last,
  // fetched over the Workload API by a copy of spire-agent that it selects).
  bool WaitForEntries();
  bool StartAgent(bool with_join_token);
  void KillAgent();  // kill -9 the agent's process group
  bool AgentHealthy();
  ChildProcess& agent() { return agent_; }
  ChildProcess& server() { return server_; }

  // ---- VSecM
  static std::string SafeId(const std::string& n = "spire") {
    return "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/" + n;
  }
  static std::string SentinelId(const std::string& n = "spire") {
    return "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/" + n;
  }
  static std::string WorkloadId(const std::string& name, const std::string& n) {
    return "spiffe://vsecm.com/workload/" + name + "/ns/default/sa/" + name + "/n/" + n;
  }
  // build/bin/NAME, canonical.
  static std::string BuiltBinary(const std::string& name);
  // A copy of build/bin/NAME at DIR/bin/LABEL/NAME (canonical path, for unix:path:).
  std::string CopyBinary(const std::string& name, const std::string& label);
  static std::string PathSelector(const std::string& binary) { return "unix:path:" + binary; }
  static std::string Sha256Selector(const std::string& binary);
  // This test binary's own path (the in-process clients' selector).
  static std::string SelfBinary();

  // Registers the Safe (by path) and Sentinel (by sha256) with `ttl_seconds` (0: default).
  void RegisterSafeAndSentinel(int safe_ttl_seconds = 0);
  // `vsecm-safe serve` with the Workload API (--spiffe-socket, or SPIFFE_ENDPOINT_SOCKET when
  // `socket_from_env`), on 127.0.0.1 ports the system picks; waits until it listens and is ready.
  bool StartSafe(bool socket_from_env = false);
  ChildProcess& safe() { return safe_; }
  std::string SafeUrl() const {
    return "https://127.0.0.1:" + std::to_string(safe_api_port_) + "/";
  }
  int safe_api_port() const { return safe_api_port_; }

  // vsecm-sentinel ARGS with --safe-url and --spiffe-socket.
  RunResult Sentinel(const std::vector<std::string>& args);
  // Starts `binary` (a path) with --safe-url and --spiffe-socket first (or, when
  // `socket_from_env`, SPIFFE_ENDPOINT_SOCKET in its environment instead), then `args`.
  bool StartClient(ChildProcess& process, const std::string& binary,
                   const std::vector<std::string>& args, std::map<std::string, std::string> env,
                   const std::string& log_name, bool socket_from_env = false);

  // A Workload API source for this test process (the SVID with `hint`, if given).
  std::shared_ptr<identity::IdentitySource> OpenOwnSource(std::chrono::milliseconds initial_wait,
                                                          Status* error = nullptr,
                                                          const std::string& hint = "");
  // A fresh TLS 1.3 connection to the Safe with `own` as our identity; the Safe's leaf.
  StatusOr<SeenCertificate> SafeCertificate(std::shared_ptr<identity::IdentitySource> own);

  const TempDir& dir() const { return dir_; }
  // The logs of every process, for failure messages.
  std::string Logs();

 private:
  bool StartServer();
  bool ServerHealthy();

  TempDir dir_;
  std::string bin_dir_;
  std::string server_socket_, agent_socket_;
  int server_port_ = 0;
  std::string join_token_, agent_id_;
  int probes_ = 0;
  int safe_api_port_ = 0, safe_readiness_port_ = 0;
  ChildProcess server_, agent_, safe_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SPIRE_SPIRE_FIXTURE_HPP_
