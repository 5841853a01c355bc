// In-cluster and kubeconfig configuration.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "k8s_test_util.hpp"
#include "vsecm/k8s/cluster_config.hpp"

namespace vsecm::k8s {
namespace {

using testing::MapEnv;
using testing::TempDir;
using testing::WriteFile;

const char* kCa = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

struct ServiceAccountDir {
  TempDir dir;
  InClusterPaths paths;
  ServiceAccountDir() {
    paths.token = dir / "token";
    paths.ca = dir / "ca.crt";
    paths.namespace_file = dir / "namespace";
    WriteFile(paths.token, "sa-token\n");
    WriteFile(paths.ca, kCa);
    WriteFile(paths.namespace_file, "vsecm-system\n");
  }
};

TEST(InClusterConfigTest, ReadsServiceAccountAndEnvironment) {
  ServiceAccountDir sa;
  auto c = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                 {"KUBERNETES_SERVICE_PORT", "6443"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "10.96.0.1");
  EXPECT_EQ(c->port, "6443");
  EXPECT_EQ(c->ca_pem, kCa);
  EXPECT_EQ(c->token_file, sa.paths.token);
  EXPECT_TRUE(c->token.empty()) << "the file is re-read by TokenSource, not copied here";
  EXPECT_EQ(c->in_cluster_namespace, "vsecm-system");
  EXPECT_EQ(c->ServerUrl(), "https://10.96.0.1:6443");
  EXPECT_EQ(c->source, "in-cluster");
}

TEST(InClusterConfigTest, Ipv6HostAndDefaultPort) {
  ServiceAccountDir sa;
  auto c = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "fd00::1"}}));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->port, "443");
  EXPECT_EQ(c->ServerUrl(), "https://[fd00::1]:443");
}

TEST(InClusterConfigTest, ClearErrors) {
  ServiceAccountDir sa;
  auto none = LoadInClusterConfig(sa.paths, MapEnv({}));
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);

  auto bad_port = LoadInClusterConfig(
      sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "http"}}));
  EXPECT_EQ(bad_port.status().code(), StatusCode::kInvalidArgument);

  std::filesystem::remove(sa.paths.ca);
  auto no_ca = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "h"}}));
  EXPECT_EQ(no_ca.status().code(), StatusCode::kNotFound);
  EXPECT_NE(no_ca.status().message().find(sa.paths.ca), std::string::npos);

  WriteFile(sa.paths.ca, kCa);
  std::filesystem::remove(sa.paths.token);
  auto no_token = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "h"}}));
  EXPECT_NE(no_token.status().message().find("service account token"), std::string::npos);

  WriteFile(sa.paths.token, "t");
  std::filesystem::remove(sa.paths.namespace_file);
  auto no_ns = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "h"}}));
  ASSERT_TRUE(no_ns.ok()) << "the namespace file is optional";
  EXPECT_EQ(no_ns->in_cluster_namespace, "");
}

TEST(ServerUrlTest, Parses) {
  ClusterConfig c;
  ASSERT_TRUE(ParseServerUrl("https://api.example.com", &c).ok());
  EXPECT_EQ(c.host, "api.example.com");
  EXPECT_EQ(c.port, "443");
  ASSERT_TRUE(ParseServerUrl("https://[::1]:6443/k8s/clusters/c-1/", &c).ok());
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.port, "6443");
  EXPECT_EQ(c.base_path, "/k8s/clusters/c-1");
  EXPECT_FALSE(ParseServerUrl("http://api:80", &c).ok()) << "plain http is refused";
  EXPECT_FALSE(ParseServerUrl("https://api:99999", &c).ok());
  EXPECT_FALSE(ParseServerUrl("https://:443", &c).ok());
  EXPECT_FALSE(ParseServerUrl("https://[::1", &c).ok());
  EXPECT_FALSE(ParseServerUrl("https://api/x?y=1", &c).ok());
}

// A host that is not a host name or IP literal used to be taken as given (blanks, line breaks
// and brackets reached the Host header and the certificate check); found by
// tests/fuzz/kube_response_fuzz, whose round trip ParseServerUrl(ServerUrl()) failed on it.
TEST(ServerUrlTest, RefusesHostsThatAreNotHosts) {
  ClusterConfig c;
  for (const char* url : {"https://api example.com", "https://api\r\nX-Injected: 1:443",
                          "https://user@api.example.com", "https://[api.example.com]:443",
                          "https://[::1%eth0]", "https://fd00::1:6443", "https://.:443",
                          "https://api/k8s/a b", "https://api/x\r\nX-Injected: 1"}) {
    EXPECT_EQ(ParseServerUrl(url, &c).code(), StatusCode::kInvalidArgument) << url;
  }
  ASSERT_TRUE(ParseServerUrl("https://kubernetes.default.svc:443/", &c).ok());
  ASSERT_TRUE(ParseServerUrl("https://10.0.0.2", &c).ok());
  ASSERT_TRUE(ParseServerUrl("https://[2001:db8::1]:6443", &c).ok());
  EXPECT_EQ(c.ServerUrl(), "https://[2001:db8::1]:6443");
}

TEST(InClusterConfigTest, RefusesHostsThatAreNotHosts) {
  ServiceAccountDir sa;
  for (const char* host : {"[[fd00::1]\n6443]", "10.96.0.1\n", "a b", "fd00::zz", "h/x"}) {
    auto c = LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", host}}));
    ASSERT_FALSE(c.ok()) << host;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument) << host;
    EXPECT_NE(c.status().message().find("KUBERNETES_SERVICE_HOST"), std::string::npos);
  }
  auto bracketed =
      LoadInClusterConfig(sa.paths, MapEnv({{"KUBERNETES_SERVICE_HOST", "[fd00::1]"}}));
  ASSERT_TRUE(bracketed.ok()) << bracketed.status().ToString();
  EXPECT_EQ(bracketed->ServerUrl(), "https://[fd00::1]:443");
}

class KubeconfigTest : public ::testing::Test {
 protected:
  std::string Write(const std::string& user, const std::string& cluster_extra = "",
                    const std::string& name = "config") {
    const std::string path = dir_ / name;
    WriteFile(path,
              "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
              "clusters:\n"
              "- name: c1\n  cluster:\n    server: https://k8s.example.com:6443\n" +
                  cluster_extra +
                  "- name: c2\n  cluster:\n    server: https://10.0.0.2\n"
                  "contexts:\n"
                  "- name: dev\n  context: {cluster: c1, user: u1, namespace: apps}\n"
                  "- name: other\n  context: {cluster: c2, user: u1}\n"
                  "users:\n"
                  "- name: u1\n  user:\n" +
                  user);
    return path;
  }
  TempDir dir_;
};

TEST_F(KubeconfigTest, InlineDataAndToken) {
  const std::string ca_b64 = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=";
  auto c = LoadKubeconfig(Write("    token: abc.def\n",
                                "    certificate-authority-data: " + ca_b64 + "\n"
                                "    tls-server-name: kubernetes.default\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "k8s.example.com");
  EXPECT_EQ(c->port, "6443");
  EXPECT_EQ(c->ca_pem, kCa);
  EXPECT_EQ(c->tls_server_name, "kubernetes.default");
  EXPECT_EQ(c->token.ExposeText(), "abc.def");
  EXPECT_EQ(c->in_cluster_namespace, "") << "a context namespace is not the Safe's namespace";
}

TEST_F(KubeconfigTest, RelativeFilesAndClientCertificate) {
  WriteFile(dir_ / "ca.pem", kCa);
  WriteFile(dir_ / "client.crt", "CERT");
  WriteFile(dir_ / "client.key", "KEY\n");
  WriteFile(dir_ / "tok", "t1\n");
  auto c = LoadKubeconfig(Write("    client-certificate: client.crt\n    client-key: client.key\n"
                                "    tokenFile: tok\n",
                                "    certificate-authority: ca.pem\n"));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->ca_pem, kCa);
  EXPECT_EQ(c->client_cert_pem, "CERT");
  EXPECT_EQ(c->client_key_pem.ExposeText(), "KEY");
  EXPECT_EQ(c->token_file, dir_ / "tok");
}

TEST_F(KubeconfigTest, NamedContext) {
  auto c = LoadKubeconfig(Write("    token: x\n"), "other");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->host, "10.0.0.2");
  EXPECT_EQ(c->port, "443");
  auto missing = LoadKubeconfig(Write("    token: x\n"), "nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("no contexts entry named \"nope\""), std::string::npos)
      << missing.status().message();
}

TEST_F(KubeconfigTest, RefusesWhatThisClientWillNotDo) {
  auto insecure = LoadKubeconfig(Write("    token: x\n", "    insecure-skip-tls-verify: true\n"));
  EXPECT_NE(insecure.status().message().find("insecure-skip-tls-verify"), std::string::npos);
  auto exec = LoadKubeconfig(Write("    exec:\n      command: aws\n"));
  EXPECT_NE(exec.status().message().find("uses exec"), std::string::npos);
  auto half = LoadKubeconfig(Write("    client-certificate-data: Q0VSVA==\n"));
  EXPECT_NE(half.status().message().find("without a key"), std::string::npos);
  auto bad_b64 = LoadKubeconfig(Write("    client-key-data: '%%%'\n    client-certificate-data: Q0VSVA==\n"));
  EXPECT_NE(bad_b64.status().message().find("client-key-data is not valid base64"), std::string::npos)
      << bad_b64.status().message();
  EXPECT_EQ(bad_b64.status().message().find("%%%"), std::string::npos);
  WriteFile(dir_ / "broken", "a: [b\n");
  auto broken = LoadKubeconfig(dir_ / "broken");
  EXPECT_EQ(broken.status().code(), StatusCode::kInvalidArgument);
  auto absent = LoadKubeconfig(dir_ / "absent");
  EXPECT_EQ(absent.status().code(), StatusCode::kNotFound);
  // FIFOs (a kubeconfig, or a file it names) are refused, not waited on for a writer.
  ASSERT_EQ(::mkfifo((dir_ / "fifo").c_str(), 0600), 0);
  auto fifo_config = LoadKubeconfig(dir_ / "fifo");
  EXPECT_NE(fifo_config.status().message().find("not a regular file"), std::string::npos)
      << fifo_config.status().message();
  auto fifo_ca = LoadKubeconfig(Write("    token: x\n", "    certificate-authority: fifo\n"));
  EXPECT_NE(fifo_ca.status().message().find("not a regular file"), std::string::npos)
      << fifo_ca.status().message();
  auto fifo_key = LoadKubeconfig(
      Write("    client-certificate-data: Q0VSVA==\n    client-key: fifo\n"));
  EXPECT_NE(fifo_key.status().message().find("not a regular file"), std::string::npos)
      << fifo_key.status().message();
}

TEST_F(KubeconfigTest, LoadClusterConfigOrder) {
  ServiceAccountDir sa;
  const std::string kubeconfig = Write("    token: x\n");
  // An explicit path wins over the cluster.
  auto explicit_path = LoadClusterConfig(kubeconfig, sa.paths,
                                         MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}}));
  ASSERT_TRUE(explicit_path.ok());
  EXPECT_EQ(explicit_path->host, "k8s.example.com");
  // In a cluster, the service account.
  auto in_cluster = LoadClusterConfig("", sa.paths,
                                      MapEnv({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                              {"KUBECONFIG", kubeconfig}}));
  ASSERT_TRUE(in_cluster.ok());
  EXPECT_EQ(in_cluster->host, "10.96.0.1");
  // Outside, the first file of KUBECONFIG.
  auto from_env = LoadClusterConfig("", sa.paths, MapEnv({{"KUBECONFIG", kubeconfig + ":/nope"}}));
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->host, "k8s.example.com");
  auto nothing = LoadClusterConfig("", sa.paths, MapEnv({}));
  EXPECT_EQ(nothing.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vsecm::k8s
