// In-cluster configuration, server URLs, and the choice between in-cluster and kubeconfig.
#include "vsecm/k8s/cluster_config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <fmt/format.h>

#include "file_util.hpp"

namespace vsecm::k8s {
namespace {

bool IsDigits(std::string_view s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const int v = std::stoi(std::string(s));
  return v > 0 && v < 65536;
}

// A DNS name or an IPv4 literal: what may stand between "https://" and the port. Anything
// else (blanks, control characters, '@', brackets) would end up in the Host header and the
// certificate check as given.
bool IsHostName(std::string_view s) {
  if (s.empty() || s.size() > 253 || s.front() == '.' || s.front() == '-') return false;
  for (char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
          c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

bool IsIpv6(const std::string& s) {
  in6_addr addr{};
  return inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

}  // namespace

std::string ClusterConfig::ServerUrl() const {
  const bool v6 = host.find(':') != std::string::npos;
  return fmt::format("https://{}:{}{}", v6 ? "[" + host + "]" : host, port, base_path);
}

Status ParseServerUrl(std::string_view url, ClusterConfig* out) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) {
    return InvalidArgument(fmt::format("server {:?}: only https:// API servers are supported",
                                       std::string(url.substr(0, 200))));
  }
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string path = slash == std::string_view::npos ? "" : std::string(rest.substr(slash));
  while (!path.empty() && path.back() == '/') path.pop_back();
  std::string host, port = "443";
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument(fmt::format("server {}: unterminated IPv6 address", url));
    }
    host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return InvalidArgument(fmt::format("server {}: bad port", url));
      port = std::string(after.substr(1));
    }
  } else {
    const size_t colon = authority.rfind(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = std::string(authority.substr(colon + 1));
  }
  if (host.empty()) return InvalidArgument(fmt::format("server {}: no host", url));
  if (bracketed ? !IsIpv6(host) : !IsHostName(host)) {
    const bool v6 = !bracketed && host.find(':') != std::string::npos;
    return InvalidArgument(fmt::format("server {:?}: {:?} is not a host name or IP address{}",
                                       std::string(url.substr(0, 200)), host.substr(0, 80),
                                       v6 ? " (an IPv6 address goes in brackets)" : ""));
  }
  if (!IsDigits(port)) return InvalidArgument(fmt::format("server {}: bad port", url));
  if (path.find_first_of("?#") != std::string::npos) {
    return InvalidArgument(fmt::format("server {}: a query or fragment is not allowed", url));
  }
  // The path prefixes every request line: blanks and control characters would split it.
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return InvalidArgument(fmt::format("server {:?}: the path holds a blank, control or "
                                         "non-ASCII character (percent-encode it)",
                                         std::string(url.substr(0, 200))));
    }
  }
  out->host = std::move(host);
  out->port = std::move(port);
  out->base_path = std::move(path);
  return Status::Ok();
}

StatusOr<ClusterConfig> LoadInClusterConfig(const InClusterPaths& paths,
                                            const kernel::EnvLookup& env) {
  auto host = env("KUBERNETES_SERVICE_HOST");
  if (!host || host->empty()) {
    return FailedPrecondition(
        "not running in a kubernetes cluster: KUBERNETES_SERVICE_HOST is not set");
  }
  auto port = env("KUBERNETES_SERVICE_PORT");
  ClusterConfig config;
  config.source = "in-cluster";
  config.host = *host;
  if (config.host.size() > 2 && config.host.front() == '[' && config.host.back() == ']') {
    config.host = config.host.substr(1, config.host.size() - 2);
  }
  if (config.host.find(':') != std::string::npos ? !IsIpv6(config.host)
                                                   : !IsHostName(config.host)) {
    return InvalidArgument(
        fmt::format("KUBERNETES_SERVICE_HOST {:?} is not a host name or IP address",
                    config.host.substr(0, 80)));
  }
  config.port = port && !port->empty() ? *port : "443";
  if (!IsDigits(config.port)) {
    return InvalidArgument(fmt::format("KUBERNETES_SERVICE_PORT {:?} is not a port number",
                                       config.port.substr(0, 32)));
  }
  VSECM_ASSIGN_OR_RETURN(config.ca_pem,
                         internal::ReadTextFile(paths.ca, "service account CA certificate"));
  // The token is read (and re-read) by TokenSource; here only check that it is there.
  auto token = internal::ReadSecretFile(paths.token, "service account token");
  if (!token.ok()) return token.status();
  config.token_file = paths.token;
  auto ns = internal::ReadTextFile(paths.namespace_file, "service account namespace file");
  if (ns.ok()) {
    config.in_cluster_namespace = internal::Trim(std::move(ns).value());
  } else if (ns.status().code() != StatusCode::kNotFound) {
    return ns.status();
  }
  return config;
}

StatusOr<ClusterConfig> LoadClusterConfig(const std::string& kubeconfig_path,
                                          const InClusterPaths& paths,
                                          const kernel::EnvLookup& env) {
  if (!kubeconfig_path.empty()) return LoadKubeconfig(kubeconfig_path);
  auto host = env("KUBERNETES_SERVICE_HOST");
  if (host && !host->empty()) return LoadInClusterConfig(paths, env);
  auto list = env("KUBECONFIG");
  if (list && !list->empty()) {
    const std::string first = list->substr(0, list->find(':'));
    if (!first.empty()) return LoadKubeconfig(first);
  }
  return FailedPrecondition(
      "no kubernetes configuration: not in a cluster (KUBERNETES_SERVICE_HOST unset) and no "
      "kubeconfig given (set the store's kubeconfig or KUBECONFIG)");
}

}  // namespace vsecm::k8s
