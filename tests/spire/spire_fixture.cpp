#include "spire_fixture.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

#include "vsecm/identity/spiffe_id.hpp"
#include "vsecm/identity/tls.hpp"
#include "vsecm/identity/workload_api.hpp"

extern char** environ;

namespace vsecm::testing {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool Inherited(const std::string& kv) {
  for (const char* prefix : {"VSECM_", "SPIFFE_", "KUBERNETES_", "KUBECONFIG="}) {
    if (kv.rfind(prefix, 0) == 0) return false;
  }
  return true;
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// A loopback port nobody listens on right now (the server binds it a moment later).
int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string Tail(const std::string& text, size_t n = 6000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

std::optional<std::string> Match(const std::string& text, const std::string& pattern) {
  std::smatch m;
  if (std::regex_search(text, m, std::regex(pattern)) && m.size() > 1) return m[1].str();
  return std::nullopt;
}

}  // namespace

bool Eventually(const std::function<bool()>& condition, int seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

std::string SpireBinDir() {
  if (const char* env = std::getenv("VSECM_SPIRE_BIN_DIR"); env != nullptr && *env != '\0') {
    return env;
  }
  return VSECM_SPIRE_BIN_DIR;
}

// ---- ChildProcess

bool ChildProcess::Start(const std::vector<std::string>& argv_in,
                         const std::map<std::string, std::string>& env,
                         const std::string& log_path) {
  log_path_ = log_path;
  exit_code_.reset();
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) {
    if (Inherited(*e)) env_strings.emplace_back(*e);
  }
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = argv_in;
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own, led by the child
  const int rc = posix_spawn(&pid_, args[0].c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawnattr_destroy(&attr);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    WriteFile(log_path, "posix_spawn " + args[0] + ": " + std::strerror(rc) + "\n");
    return false;
  }
  return true;
}

void ChildProcess::Signal(int signal) {
  if (pid_ > 0 && !Poll()) ::kill(-pid_, signal);
}

void ChildProcess::Kill() {
  if (pid_ <= 0) return;
  if (!exit_code_) {
    // Not reaped yet, so the id is still ours (a zombie keeps it): the group goes, leader first.
    ::kill(-pid_, SIGKILL);
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
  }
  pid_ = -1;
}

std::optional<int> ChildProcess::Wait(int seconds) {
  if (pid_ <= 0 || exit_code_) return exit_code_;
  Eventually([this] { return Poll(); }, seconds);
  return exit_code_;
}

bool ChildProcess::Running() { return pid_ > 0 && !Poll(); }

bool ChildProcess::Poll() {
  if (exit_code_) return true;
  if (pid_ <= 0) return true;
  // Look without reaping: while the leader is a zombie its id cannot be reused, so killing the
  // group (anything it left behind) cannot hit another process.
  siginfo_t info{};
  if (::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid == 0) {
    return false;
  }
  ::kill(-pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  return true;
}

std::string ChildProcess::Log() const { return log_path_.empty() ? "" : ReadAll(log_path_); }

size_t ChildProcess::Count(const std::string& pattern) const {
  const std::string log = Log();
  const std::regex re(pattern);
  return static_cast<size_t>(
      std::distance(std::sregex_iterator(log.begin(), log.end(), re), std::sregex_iterator()));
}

RunResult RunCommand(const std::vector<std::string>& argv,
                     const std::map<std::string, std::string>& env,
                     int timeout_seconds) {
  char tmpl[] = "/tmp/vsecm-spire-run-XXXXXX";
  const int fd = ::mkstemp(tmpl);
  if (fd >= 0) ::close(fd);
  RunResult result;
  {
    ChildProcess p;
    if (p.Start(argv, env, tmpl)) {
      std::optional<int> code = p.Wait(timeout_seconds);
      result.exit_code = code.value_or(-1000);  // still running: killed below
    }
    p.Kill();
    result.out = p.Log();
  }
  ::unlink(tmpl);
  return result;
}

// ---- SpireTest

std::string SpireTest::BuiltBinary(const std::string& name) {
  return fs::canonical(fs::path(VSECM_TEST_BIN_DIR) / name).string();
}

std::string SpireTest::SelfBinary() { return fs::canonical("/proc/self/exe").string(); }

std::string SpireTest::CopyBinary(const std::string& name, const std::string& label) {
  const fs::path to = fs::path(dir_.path()) / "bin" / label / name;
  fs::create_directories(to.parent_path());
  CopyFile(BuiltBinary(name), to.string());
  return fs::canonical(to).string();
}

std::string SpireTest::Sha256Selector(const std::string& binary) {
  const std::string content = ReadAll(binary);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(content.data(), content.size(), digest, &n, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < n; ++i) {
    static const char* kHex = "0123456789abcdef";
    hex += kHex[digest[i] >> 4];
    hex += kHex[digest[i] & 15];
  }
  return "unix:sha256:" + hex;
}

void SpireTest::SetUp() {
  bin_dir_ = SpireBinDir();
  for (const char* program : {"spire-server", "spire-agent"}) {
    ASSERT_TRUE(fs::exists(fs::path(bin_dir_) / program))
        << program << " is not in " << bin_dir_
        << ": build it with scripts/peers/spire.sh (or point VSECM_SPIRE_BIN_DIR at it)";
  }
  for (const char* sub : {"server/data", "agent/data", "agent/public", "safe", "probe", "logs"}) {
    fs::create_directories(fs::path(dir_.path()) / sub);
  }
  server_socket_ = dir_ / "server/api.sock";
  agent_socket_ = dir_ / "agent/public/api.sock";
  ASSERT_LT(agent_socket_.size(), 100u) << "unix socket path too long: " << agent_socket_;
  ASSERT_TRUE(StartServer());

  RunResult token = ServerCli({"token", "generate", "-ttl", "600"});
  std::optional<std::string> value = Match(token.out, "Token: *([0-9a-zA-Z-]+)");
  ASSERT_TRUE(token.exit_code == 0 && value) << token.out;
  join_token_ = *value;
  agent_id_ = std::string("spiffe://") + kTrustDomain + "/spire/agent/join_token/" + join_token_;
  RunResult bundle = ServerCli({"bundle", "show"});
  ASSERT_EQ(bundle.exit_code, 0) << bundle.out;
  WriteFile(dir_ / "agent/bundle.pem", bundle.out);

  WriteFile(dir_ / "agent/agent.conf",
            "agent {\n"
            "  data_dir = \"" + dir_ / "agent/data" + "\"\n"
            "  log_level = \"DEBUG\"\n"
            "  server_address = \"127.0.0.1\"\n"
            "  server_port = " + std::to_string(server_port_) + "\n"
            "  socket_path = \"" + agent_socket_ + "\"\n"
            "  trust_bundle_path = \"" + dir_ / "agent/bundle.pem" + "\"\n"
            "  trust_domain = \"" + kTrustDomain + "\"\n"
            // Entries and rotations reach the agent within a second rather than five.
            "  experimental { sync_interval = \"1s\" }\n"
            "}\n"
            "plugins {\n"
            "  NodeAttestor \"join_token\" { plugin_data {} }\n"
            // On disk, so an agent restarted with the same data dir keeps its own SVID: a join
            // token attests once only.
            "  KeyManager \"disk\" { plugin_data { directory = \"" + dir_ / "agent/data" +
                "\" } }\n"
            "  WorkloadAttestor \"unix\" { plugin_data { discover_workload_path = true } }\n"
            "}\n");
  ASSERT_TRUE(StartAgent(/*with_join_token=*/true));

  const fs::path probe = fs::path(dir_.path()) / "probe/spire-agent";
  fs::copy_file(fs::path(bin_dir_) / "spire-agent", probe);
  ::chmod(probe.c_str(), 0755);
}

void SpireTest::TearDown() {
  // VSECM_SPIRE_TEST_LOGS=1 shows the logs after a pass too; =/some/dir also keeps a copy there.
  const char* keep = std::getenv("VSECM_SPIRE_TEST_LOGS");
  const std::string keep_to = keep != nullptr ? keep : "";
  if (HasFailure() || !keep_to.empty()) {
    std::cout << "---- logs of " << dir_.path() << "\n" << Logs() << std::endl;
  }
  if (keep_to.size() > 1 && keep_to.front() == '/') {
    const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
    const fs::path to =
        fs::path(keep_to) / (std::string(info->test_suite_name()) + "." + info->name());
    std::error_code ec;
    fs::create_directories(to, ec);
    fs::copy(fs::path(dir_.path()) / "logs", to,
             fs::copy_options::overwrite_existing | fs::copy_options::recursive, ec);
  }
  safe_.Kill();
  agent_.Kill();
  server_.Kill();
}

bool SpireTest::StartServer() {
  for (int attempt = 0; attempt < 3; ++attempt) {
    server_port_ = FreePort();
    WriteFile(dir_ / "server/server.conf",
              "server {\n"
              "  bind_address = \"127.0.0.1\"\n"
              "  bind_port = \"" + std::to_string(server_port_) + "\"\n"
              "  socket_path = \"" + server_socket_ + "\"\n"
              "  trust_domain = \"" + kTrustDomain + "\"\n"
              "  data_dir = \"" + dir_ / "server/data" + "\"\n"
              "  log_level = \"DEBUG\"\n"
              "  ca_ttl = \"24h\"\n"
              "  default_x509_svid_ttl = \"1h\"\n"
              "}\n"
              "plugins {\n"
              "  DataStore \"sql\" {\n"
              "    plugin_data {\n"
              "      database_type = \"sqlite3\"\n"
              "      connection_string = \"" + dir_ / "server/data/datastore.sqlite3" + "\"\n"
              "    }\n"
              "  }\n"
              "  NodeAttestor \"join_token\" { plugin_data {} }\n"
              "  KeyManager \"disk\" { plugin_data { keys_path = \"" +
                  dir_ / "server/data/keys.json" + "\" } }\n"
              "}\n");
    if (!server_.Start({bin_dir_ + "/spire-server", "run", "-config", dir_ / "server/server.conf"},
                       {}, dir_ / "logs/spire-server.log")) {
      return false;
    }
    const bool up = Eventually([&] { return !server_.Running() || ServerHealthy(); }, 90);
    if (up && server_.Running()) {
      return true;
    }
    const bool port_taken = server_.Log().find("address already in use") != std::string::npos;
    server_.Kill();
    if (!port_taken) return false;  // another test took the port meanwhile: try another
  }
  return false;
}

bool SpireTest::ServerHealthy() {
  return RunCommand({bin_dir_ + "/spire-server", "healthcheck", "-socketPath", server_socket_}, {},
                    20).exit_code == 0;
}

bool SpireTest::AgentHealthy() {
  return RunCommand({bin_dir_ + "/spire-agent", "healthcheck", "-socketPath", agent_socket_}, {},
                    20).exit_code == 0;
}

bool SpireTest::StartAgent(bool with_join_token) {
  std::vector<std::string> argv = {bin_dir_ + "/spire-agent", "run", "-config",
                                   dir_ / "agent/agent.conf"};
  if (with_join_token) {
    argv.push_back("-joinToken");
    argv.push_back(join_token_);
  }
  if (!agent_.Start(argv, {}, dir_ / "logs/spire-agent.log")) return false;
  return Eventually([&] { return !agent_.Running() || AgentHealthy(); }, 90) && agent_.Running();
}

void SpireTest::KillAgent() { agent_.Kill(); }

RunResult SpireTest::ServerCli(std::vector<std::string> args) {
  std::vector<std::string> argv = {bin_dir_ + "/spire-server"};
  argv.insert(argv.end(), args.begin(), args.begin() + std::min<size_t>(args.size(), 2));
  argv.push_back("-socketPath");
  argv.push_back(server_socket_);
  if (args.size() > 2) argv.insert(argv.end(), args.begin() + 2, args.end());
  return RunCommand(argv, {}, 60);
}

bool SpireTest::Register(const std::string& spiffe_id, const std::vector<std::string>& selectors,
                         int ttl_seconds, const std::vector<std::string>& extra_args) {
  std::vector<std::string> args = {"entry", "create", "-parentID", agent_id_, "-spiffeID",
                                   spiffe_id};
  for (const std::string& s : selectors) {
    args.push_back("-selector");
    args.push_back(s);
  }
  if (ttl_seconds > 0) {
    args.push_back("-x509SVIDTTL");
    args.push_back(std::to_string(ttl_seconds));
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  RunResult r = ServerCli(args);
  EXPECT_EQ(r.exit_code, 0) << "entry create " << spiffe_id << ": " << r.out;
  return r.exit_code == 0;
}

bool SpireTest::WaitForEntries() {
  const std::string probe = dir_ / "probe/spire-agent";
  const std::string id = std::string("spiffe://") + kTrustDomain + "/test/probe/" +
                         std::to_string(++probes_);
  if (!Register(id, {PathSelector(fs::canonical(probe).string())})) return false;
  // The agent syncs every entry authorized for it in one go, so once the newest is here the
  // earlier ones are too.
  const bool synced = Eventually(
      [&] {
        RunResult r = RunCommand({probe, "api", "fetch", "x509", "-socketPath", agent_socket_,
                           "-timeout", "5s"},
                          {}, 20);
        return r.exit_code == 0 && r.out.find(id) != std::string::npos;
      },
      90);
  EXPECT_TRUE(synced) << "the agent never had the probe entry " << id;
  return synced;
}

void SpireTest::RegisterSafeAndSentinel(int safe_ttl_seconds) {
  Register(SafeId(), {PathSelector(BuiltBinary("vsecm-safe"))}, safe_ttl_seconds);
  // Sentinel by the hash of its binary: the other selector kind our tests rely on.
  Register(SentinelId(), {Sha256Selector(BuiltBinary("vsecm-sentinel"))});
}

bool SpireTest::StartSafe(bool socket_from_env) {
  const std::string base = dir_ / "safe";
  std::map<std::string, std::string> env = {
      {"VSECM_SAFE_TLS_PORT", "127.0.0.1:0"},
      {"VSECM_PROBE_LIVENESS_PORT", "127.0.0.1:0"},
      {"VSECM_PROBE_READINESS_PORT", "127.0.0.1:0"},
      {"VSECM_SAFE_METRICS_PORT", "127.0.0.1:0"},
      {"VSECM_ROOT_KEY_PATH", base + "/key.txt"},
      {"VSECM_SAFE_DATA_PATH", base + "/data"},
      {"VSECM_SAFE_AUDIT_PATH", base + "/audit.jsonl"},
      {"VSECM_LOG_LEVEL", "debug"}};
  std::vector<std::string> argv = {BuiltBinary("vsecm-safe"), "serve"};
  if (socket_from_env) {
    env["SPIFFE_ENDPOINT_SOCKET"] = WorkloadSocket();
  } else {
    argv.push_back("--spiffe-socket");
    argv.push_back(WorkloadSocket());
  }
  if (!safe_.Start(argv, env, dir_ / "logs/vsecm-safe.log")) {
    return false;
  }
  const std::string listening =
      "listening on 127\\.0\\.0\\.1:(\\d+) .*readiness on port (\\d+)";
  if (!Eventually([&] { return !safe_.Running() || safe_.Count(listening) > 0; }, 90) ||
      !safe_.Running()) {
    return false;
  }
  std::smatch m;
  const std::string log = safe_.Log();
  if (!std::regex_search(log, m, std::regex(listening))) return false;
  safe_api_port_ = std::stoi(m[1].str());
  safe_readiness_port_ = std::stoi(m[2].str());
  const std::string readiness = "http://127.0.0.1:" + std::to_string(safe_readiness_port_) + "/";
  return Eventually(
      [&] {
        RunResult r = RunCommand({"/usr/bin/curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                           "--max-time", "10", readiness},
                          {}, 20);
        return r.out == "200";
      },
      90);
}

RunResult SpireTest::Sentinel(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {BuiltBinary("vsecm-sentinel"), "--safe-url", SafeUrl(),
                                   "--spiffe-socket", WorkloadSocket()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunCommand(argv, {}, 90);
}

bool SpireTest::StartClient(ChildProcess& process, const std::string& binary,
                            const std::vector<std::string>& args,
                            std::map<std::string, std::string> env, const std::string& log_name,
                            bool socket_from_env) {
  std::vector<std::string> argv = {binary, "--safe-url", SafeUrl()};
  if (socket_from_env) {
    env["SPIFFE_ENDPOINT_SOCKET"] = WorkloadSocket();
  } else {
    argv.push_back("--spiffe-socket");
    argv.push_back(WorkloadSocket());
  }
  argv.insert(argv.end(), args.begin(), args.end());
  env.emplace("VSECM_LOG_LEVEL", "debug");
  return process.Start(argv, env, dir_ / ("logs/" + log_name + ".log"));
}

std::shared_ptr<identity::IdentitySource> SpireTest::OpenOwnSource(
    std::chrono::milliseconds initial_wait, Status* error, const std::string& hint) {
  identity::WorkloadApiOptions options;
  options.address = WorkloadSocket();
  options.hint = hint;
  options.initial_backoff = 100ms;
  options.max_backoff = 1000ms;
  StatusOr<std::unique_ptr<identity::WorkloadApiSource>> opened =
      identity::WorkloadApiSource::Open(options);
  if (!opened.ok()) {
    if (error) *error = opened.status();
    return nullptr;
  }
  std::shared_ptr<identity::IdentitySource> source = std::move(opened).value();
  StatusOr<identity::SnapshotPtr> first = source->WaitForUpdate(0, initial_wait);
  if (!first.ok()) {
    if (error) *error = first.status();
    return nullptr;
  }
  return source;
}

StatusOr<SeenCertificate> SpireTest::SafeCertificate(
    std::shared_ptr<identity::IdentitySource> own) {
  identity::PeerPolicy policy;
  policy.trust_domain = kTrustDomain;
  VSECM_ASSIGN_OR_RETURN(identity::SpiffeId safe_id, identity::SpiffeId::Parse(SafeId()));
  policy.authorize = identity::ExpectSpiffeId(safe_id);
  VSECM_ASSIGN_OR_RETURN(identity::SslCtxPtr ctx,
                         identity::NewClientContext(std::move(own), policy));

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(safe_api_port_));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return Unavailable("cannot connect to the Safe");
  }
  SSL* ssl = SSL_new(ctx.get());
  SSL_set_fd(ssl, fd);
  StatusOr<SeenCertificate> result = Unavailable("no handshake");
  if (SSL_connect(ssl) != 1) {
    result = PermissionDenied("handshake with the Safe failed: " +
                              identity::HandshakeFailureReason(ssl));
  } else {
    X509* leaf = SSL_get1_peer_certificate(ssl);
    SeenCertificate seen;
    BIGNUM* bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr);
    char* hex = BN_bn2hex(bn);
    seen.serial = hex;
    OPENSSL_free(hex);
    BN_free(bn);
    std::tm tm{};
    ASN1_TIME_to_tm(X509_get0_notAfter(leaf), &tm);
    seen.not_after = static_cast<int64_t>(timegm(&tm));
    X509_free(leaf);
    StatusOr<identity::SpiffeId> id = identity::PeerSpiffeId(ssl);
    seen.spiffe_id = id.ok() ? id->str() : "";
    result = seen;
    SSL_shutdown(ssl);
  }
  SSL_free(ssl);
  ::close(fd);
  return result;
}

std::string SpireTest::Logs() {
  // Ours first and SPIRE's last and shorter: a CI log that keeps only the head and the tail of
  // a long failure then still shows why our processes did what they did.
  std::string ours, spire;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::path(dir_.path()) / "logs", ec)) {
    const std::string name = entry.path().filename().string();
    const bool is_spire = name.rfind("spire-", 0) == 0;
    (is_spire ? spire : ours) +=
        "==== " + name + "\n" + Tail(ReadAll(entry.path()), is_spire ? 2500 : 6000) + "\n";
  }
  return ours + spire;
}

}  // namespace vsecm::testing
