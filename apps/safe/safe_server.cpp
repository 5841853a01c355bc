#include "safe_server.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>

#include <thread>

#include <fmt/format.h>

#include "https_server.hpp"
#include "lifecycle.hpp"
#include "metrics.hpp"
#include "plain_http_server.hpp"
#include "safe_api.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/process_hardening.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::safe {
namespace {

bool ParseBool(const std::string& text) {
  return text == "1" || text == "t" || text == "T" || text == "true" || text == "TRUE" ||
         text == "True";
}

size_t ParseSize(const std::string& text, size_t fallback) {
  try {
    return static_cast<size_t>(std::stoull(text));
  } catch (...) {
    kernel::LogWarning("safe", "ignoring \"{}\": not a number", text.substr(0, 32));
    return fallback;
  }
}

// A whole number of seconds, from 1 to a year.
std::chrono::seconds ParseSeconds(const char* name, const std::string& text,
                                  std::chrono::seconds fallback) {
  constexpr size_t kYear = 366 * 24 * 3600;
  const size_t seconds = ParseSize(text, static_cast<size_t>(fallback.count()));
  if (seconds == 0 || seconds > kYear) {
    kernel::LogWarning("safe", "{}: ignoring {}, not from 1 to {} seconds; using {}", name,
                       seconds, kYear, fallback.count());
    return fallback;
  }
  return std::chrono::seconds(static_cast<std::chrono::seconds::rep>(seconds));
}

// Waits for SIGTERM or SIGINT, which main() has blocked in every thread.
int WaitForStopSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

// Descriptors kept for everything but API connections: the store (RocksDB keeps its table files
// open), the audit journal, plugins, the Kubernetes client, OpenSSL; and, apart, as many as the
// probe and metrics listeners may hold.
constexpr uint64_t kReservedFiles = 256;
constexpr uint64_t kProbeListeners = 3;
constexpr uint64_t kReservedForProbes = kProbeListeners * kMaxPlainConnections;

struct ConnectionLimits {
  size_t connections, handshakes;
};

// Raises the open file limit as far as the operator allows, and serves only as many connections
// and pending handshakes (each holds a descriptor) as then fit: past it, accept() would fail
// with EMFILE and the store could not open a file. When they must shrink, handshakes keep at
// most an eighth of what is left.
ConnectionLimits FitConnectionLimits(size_t connections, size_t handshakes) {
  auto limit = kernel::RaiseOpenFileLimit();
  if (!limit.ok()) {
    kernel::LogWarning("safe", "{}; serving up to {} connections and {} pending handshakes regardless",
                       limit.status().message(), connections, handshakes);
    return {connections, handshakes};
  }
  const uint64_t reserved = kReservedFiles + kReservedForProbes;
  if (*limit >= connections + handshakes + reserved) return {connections, handshakes};
  const uint64_t available = *limit > 2 * reserved ? *limit - reserved : *limit / 2;
  const size_t fitted_handshakes =
      std::min<size_t>(handshakes, std::max<size_t>(1, static_cast<size_t>(available / 8)));
  const size_t fitted = static_cast<size_t>(available) - fitted_handshakes;
  kernel::LogWarning("safe",
                     "the open file limit (RLIMIT_NOFILE) is {}, too low for {} connections "
                     "(VSECM_SAFE_MAX_CONNECTIONS), {} pending handshakes "
                     "(VSECM_SAFE_MAX_PENDING_HANDSHAKES) and {} other files: serving at most {} "
                     "connections and {} pending handshakes; raise the limit (ulimit -Hn) to "
                     "serve more",
                     *limit, connections, handshakes, reserved, fitted, fitted_handshakes);
  return {fitted, fitted_handshakes};
}

}  // namespace

SafeServerOptions SafeServerOptionsFromEnv(const kernel::EnvLookup& env) {
  SafeServerOptions o;
  if (auto v = env("VSECM_SAFE_TLS_PORT")) o.tls_address = *v;
  if (auto v = env("VSECM_PROBE_LIVENESS_PORT")) o.liveness_address = *v;
  if (auto v = env("VSECM_PROBE_READINESS_PORT")) o.readiness_address = *v;
  if (auto v = env("VSECM_SAFE_METRICS_PORT")) o.metrics_address = *v;
  if (auto v = env("VSECM_ROOT_KEY_PATH")) o.root_key.key_path = *v;
  if (auto v = env("VSECM_ROOT_KEY_INPUT_MODE_MANUAL")) o.root_key.manual = ParseBool(*v);
  if (auto v = env("VSECM_SAFE_MAX_CONNECTIONS")) o.max_connections = ParseSize(*v, o.max_connections);
  if (auto v = env("VSECM_SAFE_MAX_REQUEST_BYTES")) o.body_limit = ParseSize(*v, o.body_limit);
  if (auto v = env("VSECM_SAFE_MAX_PENDING_HANDSHAKES")) {
    o.max_handshakes = std::max<size_t>(1, ParseSize(*v, o.max_handshakes));
  }
  if (auto v = env("VSECM_SAFE_MAX_HANDSHAKES_PER_SOURCE")) {
    o.max_handshakes_per_source = std::max<size_t>(1, ParseSize(*v, o.max_handshakes_per_source));
  }
  if (auto v = env("VSECM_SAFE_HANDSHAKE_TIMEOUT")) {
    o.handshake_timeout = ParseSeconds("VSECM_SAFE_HANDSHAKE_TIMEOUT", *v, o.handshake_timeout);
  }
  if (auto v = env("VSECM_SAFE_BODY_MEMORY_LIMIT")) o.body_memory = ParseSize(*v, o.body_memory);
  if (auto v = env("VSECM_SAFE_BODY_TIMEOUT")) {
    o.body_timeout = ParseSeconds("VSECM_SAFE_BODY_TIMEOUT", *v, o.body_timeout);
  }
  if (auto v = env("VSECM_SAFE_MAX_CONNECTION_AGE")) {
    o.max_connection_age = ParseSeconds("VSECM_SAFE_MAX_CONNECTION_AGE", *v, o.max_connection_age);
  }
  if (auto v = env("SPIFFE_ENDPOINT_SOCKET")) o.identity.spiffe_socket = *v;
  o.kubernetes = KubernetesOptionsFromEnv(env);
  o.root_key.kubernetes = o.kubernetes.enabled;
  o.root_key.kubeconfig = o.kubernetes.kubeconfig;
  if (auto v = env("VSECM_ROOT_KEY_NAME")) o.root_key.secret_name = *v;
  if (auto v = env("VSECM_NAMESPACE_SYSTEM")) o.root_key.secret_namespace = *v;
  return o;
}

int RunSafeServer(const kernel::KernelConfig& config, const SafeServerOptions& options,
                  const std::string& default_plugin_dir) {
  // First: the store may open files as the kernel starts.
  const ConnectionLimits limits = FitConnectionLimits(options.max_connections, options.max_handshakes);
  kernel::SafeKernel::Options kernel_options;
  kernel_options.default_plugin_directory = default_plugin_dir;
  auto kernel = kernel::SafeKernel::Create(config, std::move(kernel_options));
  if (!kernel.ok()) {
    kernel::LogError("safe", "cannot start: {}", kernel.status().ToString());
    return 1;
  }
  auto identity = OpenServerIdentity(options.identity, kernel::ProcessEnvironment());
  if (!identity.ok()) {
    kernel::LogError("safe", "cannot obtain the Safe's SVID: {}", identity.status().ToString());
    return 1;
  }
  Metrics metrics;
  metrics.SetSecretsHeldSource([&k = **kernel] { return k.registry().size(); });
  Lifecycle lifecycle(**kernel, metrics, options.root_key.manual);
  std::unique_ptr<K8sSecretSync> k8s_sync;
  if (options.kubernetes.enabled) {
    KubernetesOptions kubernetes = options.kubernetes;
    kubernetes.store_namespace = StoreK8sNamespace(config, kernel::ProcessEnvironment());
    auto opened = K8sSecretSync::Open(kubernetes);
    if (!opened.ok()) {
      kernel::LogError("safe", "cannot reach the Kubernetes API: {}", opened.status().ToString());
      return 1;
    }
    k8s_sync = std::move(opened).value();
  }
  SafeApi api(**kernel, lifecycle, (*identity)->GetRoles(), metrics, k8s_sync.get());

  auto tls_address = ParseListenAddress(options.tls_address, options.default_host);
  if (!tls_address.ok()) {
    kernel::LogError("safe", "VSECM_SAFE_TLS_PORT: {}", tls_address.status().message());
    return 1;
  }
  HttpsServerOptions server_options;
  server_options.address = tls_address->first;
  server_options.port = tls_address->second;
  server_options.max_connections = limits.connections;
  server_options.max_handshakes = limits.handshakes;
  server_options.max_handshakes_per_source = options.max_handshakes_per_source;
  server_options.handshake_timeout = options.handshake_timeout;
  server_options.body_limit = options.body_limit;
  server_options.body_memory = options.body_memory;
  if (options.body_memory < options.body_limit) {
    kernel::LogWarning("safe",
                       "VSECM_SAFE_BODY_MEMORY_LIMIT ({}) is below VSECM_SAFE_MAX_REQUEST_BYTES "
                       "({}): request bodies may take {} bytes together",
                       options.body_memory, options.body_limit, options.body_limit);
  }
  server_options.body_timeout = options.body_timeout;
  server_options.max_connection_age = options.max_connection_age;
  // Reads and writes on pools of their own: writes wait for the store's fsync and the
  // Kubernetes API, and however many of them stall, a workload's read is not queued behind.
  const int workers = static_cast<int>(std::max(4u, 2 * std::thread::hardware_concurrency()));
  server_options.read_threads = workers;
  server_options.write_threads = workers;
  kernel::AuditSink& audit = (*kernel)->audit();
  HttpsServer server(
      server_options, (*identity)->Tls(),
      [&api](const RequestHeader& header, const std::string& peer) { return api.Admit(header, peer); },
      [&api](Request& request, const std::string& peer) { return api.Handle(request, peer); },
      metrics,
      [&audit](const std::string& remote, const std::string& why) {
        kernel::AuditEvent e;
        e.time = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
        e.correlation_id = kernel::NewCorrelationId();
        e.actor = "unauthenticated " + remote;
        e.action = kernel::AuditAction::kRefuse;
        e.target = "connection";
        e.outcome = kernel::AuditOutcome::kDenied;
        e.reason = why;
        audit.Record(e);
      });

  boost::asio::io_context probe_io;
  PlainHttpServer liveness(probe_io, [](std::string_view path) -> PlainResponse {
    if (path != "/") return {404, "text/plain; charset=utf-8", "not found\n"};
    return {200, "text/plain; charset=utf-8", "ok\n"};
  });
  PlainHttpServer readiness(probe_io, [&lifecycle](std::string_view path) -> PlainResponse {
    if (path != "/") return {404, "text/plain; charset=utf-8", "not found\n"};
    return {lifecycle.ready() ? 200u : 503u, "text/plain; charset=utf-8",
            lifecycle.ReadinessText() + "\n"};
  });
  PlainHttpServer metrics_server(probe_io, [&metrics](std::string_view path) -> PlainResponse {
    if (path != "/metrics") return {404, "text/plain; charset=utf-8", "not found\n"};
    return {200, "text/plain; version=0.0.4; charset=utf-8", metrics.Render()};
  });
  for (auto [listener, address, name] :
       {std::tuple{&liveness, options.liveness_address, "VSECM_PROBE_LIVENESS_PORT"},
        std::tuple{&readiness, options.readiness_address, "VSECM_PROBE_READINESS_PORT"},
        std::tuple{&metrics_server, options.metrics_address, "VSECM_SAFE_METRICS_PORT"}}) {
    auto parsed = ParseListenAddress(address, options.default_host);
    Status s = parsed.ok() ? listener->Listen(fmt::format("{}:{}", parsed->first, parsed->second))
                           : parsed.status();
    if (!s.ok()) {
      kernel::LogError("safe", "{}: {}", name, s.message());
      return 1;
    }
  }
  std::thread probe_thread([&probe_io] {
    auto guard = boost::asio::make_work_guard(probe_io);
    probe_io.run();
  });
  if (Status s = server.Start(); !s.ok()) {
    kernel::LogError("safe", "{}", s.message());
    probe_io.stop();
    probe_thread.join();
    return 1;
  }
  kernel::LogInfo("safe",
                  "{} listening on {}:{} (mutual TLS, at most {} connections and {} pending "
                  "handshakes, {} from one source); liveness on port {}, readiness on port {}, "
                  "metrics on port {}",
                  (*identity)->OwnSpiffeId(), server_options.address, server.port(),
                  server_options.max_connections, server_options.max_handshakes,
                  server_options.max_handshakes_per_source, liveness.port(),
                  readiness.port(), metrics_server.port());
  if (options.on_listening) {
    options.on_listening(
        ListeningPorts{server.port(), liveness.port(), readiness.port(), metrics_server.port()});
  }

  std::atomic<int> exit_code{0};
  // The root key and recovery happen while the probes already answer (liveness 200,
  // readiness 503), so a large store does not get the pod killed for being slow to start.
  std::thread bootstrap([&] {
    auto root_key = ObtainRootKey(options.root_key);
    if (!root_key.ok()) {
      kernel::LogError("safe", "cannot obtain the root key: {}; the Safe stays unready",
                       root_key.status().ToString());
      return;
    }
    if (!*root_key) return;  // manual mode: Sentinel sends it
    if (Status s = lifecycle.Activate(**root_key); !s.ok()) {
      // No other key will come: start-up has failed, and says why.
      kernel::LogError("safe", "cannot activate the root key: {}; stopping", s.ToString());
      exit_code = 1;
      ::kill(::getpid(), SIGTERM);
    }
  });

  int signal = WaitForStopSignal();
  kernel::LogInfo("safe", "signal {}: finishing requests in flight, then stopping", signal);
  server.Stop();
  bootstrap.join();
  liveness.Close();
  readiness.Close();
  metrics_server.Close();
  probe_io.stop();
  probe_thread.join();
  kernel::LogInfo("safe", "stopped");
  return exit_code;  // the kernel (and with it the store) closes as it goes out of scope
}

}  // namespace vsecm::safe
