// Where the Kubernetes API server is and how to authenticate to it: in-cluster (the pod's
// service account) or a kubeconfig file (running outside a cluster).
//
// In-cluster: KUBERNETES_SERVICE_HOST / KUBERNETES_SERVICE_PORT, and the service account's
// token, ca.crt and namespace files. Kubeconfig: the current context's (or a named context's)
// cluster `server`, `certificate-authority(-data)`, `tls-server-name`, and the user's `token`,
// `tokenFile` or `client-certificate(-data)` + `client-key(-data)`. Relative file paths are
// relative to the kubeconfig's directory, as kubectl reads them. `insecure-skip-tls-verify`,
// `exec` and `auth-provider` are refused with a clear message: this client always verifies the
// server against a CA and only speaks bearer tokens and client certificates.
#ifndef VSECM_K8S_CLUSTER_CONFIG_HPP_
#define VSECM_K8S_CLUSTER_CONFIG_HPP_

#include <string>
#include <string_view>

#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::k8s {

struct ClusterConfig {
  std::string host;         // DNS name or IP literal (IPv6 without brackets)
  std::string port = "443";
  std::string base_path;    // a path prefix of the server URL ("" or "/k8s/clusters/c-1")
  std::string ca_pem;       // PEM bundle; empty: the system's default CA paths
  std::string tls_server_name;  // verify the certificate for this name instead of host
  // Authentication: a token file (re-read on rotation), a static token, and/or a client
  // certificate. Any combination of none of them is allowed (the server then decides).
  std::string token_file;
  kernel::SecretBytes token;
  std::string client_cert_pem;
  kernel::SecretBytes client_key_pem;
  std::string in_cluster_namespace;  // the service account's namespace file, in-cluster only
  std::string source;                // "in-cluster" or "kubeconfig <path>", for messages

  // "https://host:port" with IPv6 literals bracketed.
  std::string ServerUrl() const;
};

struct InClusterPaths {
  std::string token = "/var/run/secrets/kubernetes.io/serviceaccount/token";
  std::string ca = "/var/run/secrets/kubernetes.io/serviceaccount/ca.crt";
  std::string namespace_file = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
};

// The pod's own configuration. FailedPrecondition when KUBERNETES_SERVICE_HOST is unset (not
// in a cluster); errors name the file that could not be read.
StatusOr<ClusterConfig> LoadInClusterConfig(const InClusterPaths& paths,
                                            const kernel::EnvLookup& env);

// A kubeconfig file; `context` empty means its current-context.
StatusOr<ClusterConfig> LoadKubeconfig(const std::string& path, std::string_view context = {});

// The usual order: an explicit kubeconfig path; else in-cluster when KUBERNETES_SERVICE_HOST is
// set; else the first file of $KUBECONFIG; else a clear error.
StatusOr<ClusterConfig> LoadClusterConfig(const std::string& kubeconfig_path,
                                          const InClusterPaths& paths,
                                          const kernel::EnvLookup& env);

// Splits "https://host[:port][/path]" into its parts (only https is accepted).
Status ParseServerUrl(std::string_view url, ClusterConfig* out);

}  // namespace vsecm::k8s

#endif  // VSECM_K8S_CLUSTER_CONFIG_HPP_
