// libFuzzer target for everything plugins/store-k8s parses from the API server or from its own
// configuration files. The first input byte chooses what the rest is:
//
//   S  a response body: ParseBody, DecodeSecret (and of every list item), DecodeMeta,
//      ParseStatus; a Secret that decodes must survive EncodeSecret and decode to the same Secret
//   K  a kubeconfig file (LoadKubeconfig), next to a CA, token and client key it may name
//   I  the in-cluster files and variables, parts split by "\n===\n": KUBERNETES_SERVICE_HOST,
//      KUBERNETES_SERVICE_PORT, ca.crt, token, namespace (LoadInClusterConfig, LoadClusterConfig)
//   U  an API server URL (ParseServerUrl, which must give back what ServerUrl() prints) and a
//      Retry-After header
//   A  a conversation with the API server: the next byte picks the operation (g get, l list,
//      m list metadata, c create, r replace, d delete, k ReadRootKey, K CreateRootKey) and the
//      rest, split by "\n===\n", is what a loopback HTTPS server answers to each request: "HTTP/"
//      and then raw bytes (the connection is closed after them), or a status code and a JSON body
//      ("@DATA@" in it becomes the base64 of a known secret value)
//   anything else: S and U over the whole input
//
// Every configuration that loads is also given to KubeClient::Create (CA, client certificate and
// key parsed, token file read). Checked besides "no crash, leak or undefined behaviour": the
// round trips above, and that no error message carries the secret value the client sent or was
// sent. Seeds: tests/fuzz/seeds/kube_response_fuzz/.
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_kube_api_internal.hpp"
#include "secret_json.hpp"
#include "tls_responder.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/k8s/kube_client.hpp"
#include "vsecm/k8s/root_key_secret.hpp"
#include "vsecm/k8s/secrets_api.hpp"

namespace {

namespace k8s = vsecm::k8s;
using k8s::internal::WipingJson;
using vsecm::Status;
using vsecm::kernel::SecretBytes;

constexpr std::string_view kCanary = "CANARY-SECRET-VALUE-7d1e";
constexpr std::string_view kSeparator = "\n===\n";
constexpr std::string_view kNamespace = "vsecm-system";

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "kube_response_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

std::vector<std::string_view> Split(std::string_view text) {
  std::vector<std::string_view> parts;
  for (;;) {
    const size_t at = text.find(kSeparator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + kSeparator.size());
  }
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

void WriteFile(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) Fail("writing", path);
}

// ---- files: what configurations may name ------------------------------------------------

struct Files {
  std::string dir;
  std::string kubeconfig, ca, token, namespace_file;
  std::string ca_pem;  // a real CA, for configurations that name none
};

const Files& Dir() {
  static const Files* files = [] {
    char tmpl[] = "/tmp/vsecm-kube-fuzz-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Fail("mkdtemp");
    std::atexit([] { std::filesystem::remove_all(files->dir); });  // libFuzzer ends with exit()
    auto* f = new Files{tmpl, std::string(tmpl) + "/kubeconfig", std::string(tmpl) + "/ca.crt",
                        std::string(tmpl) + "/token", std::string(tmpl) + "/namespace"};
    // What a kubeconfig may name by relative path: a real CA and client credentials.
    const auto ca = vsecm::testing::fake_kube::MakeCa("fuzz-ca");
    const auto client = vsecm::testing::fake_kube::IssueLeaf(ca, "fuzz-client", false);
    f->ca_pem = ca.cert_pem;
    WriteFile(f->dir + "/cluster-ca.crt", ca.cert_pem);
    WriteFile(f->dir + "/client.crt", client.cert_pem);
    WriteFile(f->dir + "/client.key", client.key_pem);
    WriteFile(f->dir + "/sa-token", "eyJhbGciOiJSUzI1NiJ9.fuzz.token\n");
    return f;
  }();
  return *files;
}

// What every configuration that loads must also get through.
k8s::KubeClient::Options QuietOptions() {
  k8s::KubeClient::Options options;
  options.request_timeout = std::chrono::milliseconds(3000);
  options.retry.max_attempts = 3;
  options.sleep = [](std::chrono::milliseconds) {};
  return options;
}

void CheckLoaded(k8s::ClusterConfig config) {
  k8s::ClusterConfig again;
  Status s = k8s::ParseServerUrl(config.ServerUrl(), &again);
  if (!s.ok()) Fail("a loaded server does not parse back", config.ServerUrl());
  if (again.host != config.host || again.port != config.port ||
      again.base_path != config.base_path) {
    Fail("a loaded server parses back differently", config.ServerUrl());
  }
  // With no CA the client would parse the system's whole trust store each time: slow, and none
  // of it comes from the input.
  if (config.ca_pem.empty()) config.ca_pem = Dir().ca_pem;
  (void)k8s::KubeClient::Create(std::move(config), QuietOptions());
}

// ---- S: response bodies ------------------------------------------------------------------

bool SameMeta(const k8s::ObjectMeta& a, const k8s::ObjectMeta& b) {
  return a.name == b.name && a.namespace_ == b.namespace_ &&
         a.resource_version == b.resource_version && a.uid == b.uid && a.labels == b.labels &&
         a.annotations == b.annotations && a.other_fields_json == b.other_fields_json;
}

void RoundTrip(const k8s::Secret& secret) {
  const k8s::WipingString encoded = k8s::internal::EncodeSecret(secret, secret.metadata.namespace_);
  const WipingJson j = k8s::internal::ParseBody(encoded);
  if (j.is_discarded()) Fail("an encoded Secret is not JSON");
  auto back = k8s::internal::DecodeSecret(j);
  if (!back.ok()) Fail("an encoded Secret does not decode", back.status().ToString());
  if (!SameMeta(secret.metadata, back->metadata) || back->type != secret.type ||
      back->immutable != secret.immutable || back->data.size() != secret.data.size()) {
    Fail("a Secret changed in an encode and decode round trip");
  }
  for (const auto& [key, value] : secret.data) {
    auto it = back->data.find(key);
    if (it == back->data.end() || !it->second.Equals(value.Expose())) {
      Fail("Secret data changed", key);
    }
  }
}

void DecodeBody(std::string_view text) {
  const k8s::WipingString body(text.data(), text.size());
  (void)k8s::internal::ParseStatus(body);
  const WipingJson j = k8s::internal::ParseBody(body);
  if (j.is_discarded() || !j.is_object()) return;
  auto secret = k8s::internal::DecodeSecret(j);
  if (secret.ok()) RoundTrip(*secret);
  if (j.contains("metadata")) (void)k8s::internal::DecodeMeta(j["metadata"]);
  if (j.contains("items") && j["items"].is_array()) {
    for (const WipingJson& item : j["items"]) {
      auto each = k8s::internal::DecodeSecret(item);
      if (each.ok()) RoundTrip(*each);
      if (item.is_object() && item.contains("metadata")) {
        (void)k8s::internal::DecodeMeta(item["metadata"]);
      }
    }
  }
}

// ---- K and I: configuration files ----------------------------------------------------------

void Kubeconfig(std::string_view text) {
  const Files& files = Dir();
  WriteFile(files.kubeconfig, text);
  for (std::string_view context : {std::string_view(), std::string_view("fuzz")}) {
    auto config = k8s::LoadKubeconfig(files.kubeconfig, context);
    if (config.ok()) CheckLoaded(std::move(config).value());
  }
}

void InCluster(std::string_view text) {
  const Files& files = Dir();
  const std::vector<std::string_view> parts = Split(text);
  const auto part = [&parts](size_t i) { return i < parts.size() ? parts[i] : std::string_view(); };
  const std::string paths[] = {files.ca, files.token, files.namespace_file};
  for (size_t i = 0; i < 3; ++i) {
    ::unlink(paths[i].c_str());
    if (i + 2 < parts.size()) WriteFile(paths[i], part(i + 2));
  }
  const std::string host(part(0)), port(part(1));
  const vsecm::kernel::EnvLookup env = [&](const char* name) -> std::optional<std::string> {
    const std::string_view n(name);
    if (n == "KUBERNETES_SERVICE_HOST") return host;
    if (n == "KUBERNETES_SERVICE_PORT") return port;
    if (n == "KUBECONFIG") return files.kubeconfig + ":/nonexistent";
    return std::nullopt;
  };
  const k8s::InClusterPaths in_cluster{files.token, files.ca, files.namespace_file};
  auto config = k8s::LoadInClusterConfig(in_cluster, env);
  if (config.ok()) CheckLoaded(std::move(config).value());
  (void)k8s::LoadClusterConfig("", in_cluster, env);
}

// ---- U: server URLs ------------------------------------------------------------------------

void ServerUrl(std::string_view text) {
  k8s::ClusterConfig config;
  if (k8s::ParseServerUrl(text, &config).ok()) CheckLoaded(std::move(config));
  (void)k8s::ParseRetryAfter(text);
}

// ---- A: conversations with the API server ---------------------------------------------------

struct Api {
  std::unique_ptr<vsecm::fuzz::TlsResponder> server;
  std::unique_ptr<k8s::KubeClient> client;
  std::unique_ptr<k8s::SecretsApi> api;
};

Api& TheApi() {
  static Api* api = [] {
    const auto ca = vsecm::testing::fake_kube::MakeCa("fuzz-api-ca");
    const auto leaf = vsecm::testing::fake_kube::IssueLeaf(ca, "127.0.0.1", true);
    auto* a = new Api;
    a->server = std::make_unique<vsecm::fuzz::TlsResponder>(leaf.cert_pem, leaf.key_pem);
    k8s::ClusterConfig config;
    config.host = "127.0.0.1";
    config.port = std::to_string(a->server->port());
    config.ca_pem = ca.cert_pem;
    config.token = SecretBytes::CopyOf(std::string_view("fuzz-token"));
    config.source = "fuzz";
    auto client = k8s::KubeClient::Create(std::move(config), QuietOptions());
    if (!client.ok()) Fail("creating the client", client.status().ToString());
    a->client = std::move(client).value();
    a->api = std::make_unique<k8s::SecretsApi>(*a->client);
    return a;
  }();
  return *api;
}

vsecm::fuzz::TlsResponder::Reply MakeReply(std::string_view part) {
  if (part.starts_with("HTTP/")) return {std::string(part), true};
  size_t i = 0;
  while (i < part.size() && (part[i] == '\n' || part[i] == ' ')) ++i;
  int status = 0;
  size_t digits = 0;
  while (i < part.size() && digits < 3 && part[i] >= '0' && part[i] <= '9') {
    status = status * 10 + (part[i++] - '0');
    ++digits;
  }
  if (digits == 0) status = 200;
  if (i < part.size() && (part[i] == ' ' || part[i] == '\n')) ++i;
  std::string body(part.substr(i));
  for (size_t at; (at = body.find("@DATA@")) != std::string::npos;) {
    body.replace(at, 6, Base64(kCanary));
  }
  std::string head =
      "HTTP/1.1 " + std::to_string(status) + " Fuzz\r\nContent-Type: application/json\r\n";
  if (status == 429 || status == 503) head += "Retry-After: 1\r\n";
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  return {head + body, false};
}

void CheckQuiet(const Status& status, std::string_view script) {
  // VSECM_FUZZ_TRACE=1: what each conversation ended with (for writing seeds).
  static const bool trace = std::getenv("VSECM_FUZZ_TRACE") != nullptr;
  if (trace) std::fprintf(stderr, "kube_response_fuzz: %s\n", status.ToString().c_str());
  if (status.ok() || script.find(kCanary) != std::string_view::npos) return;
  if (status.ToString().find(kCanary) != std::string::npos) {
    Fail("an error carries secret data", status.ToString());
  }
}

void Converse(char op, std::string_view script) {
  Api& a = TheApi();
  std::vector<vsecm::fuzz::TlsResponder::Reply> replies;
  if (!script.empty()) {
    for (std::string_view part : Split(script)) replies.push_back(MakeReply(part));
  }
  a.server->Script(
      std::move(replies),
      MakeReply(R"(404 {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",)"
                R"("message":"secrets \"x\" not found","reason":"NotFound","code":404})"));
  k8s::Secret secret;
  secret.metadata.name = "vsecm-secret-billing";
  secret.metadata.labels["app.kubernetes.io/managed-by"] = "vsecm";
  secret.data.emplace("VALUE", SecretBytes::CopyOf(kCanary));
  k8s::SecretsApi& api = *a.api;
  const std::string name = "vsecm-secret-billing";
  switch (op) {
    case 'l':
      CheckQuiet(api.List(kNamespace, "app.kubernetes.io/managed-by=vsecm").status(), script);
      break;
    case 'm':
      CheckQuiet(api.ListMetadata(kNamespace, "app.kubernetes.io/managed-by=vsecm").status(),
                 script);
      break;
    case 'c': CheckQuiet(api.Create(kNamespace, secret).status(), script); break;
    case 'r':
      secret.metadata.resource_version = "42";
      CheckQuiet(api.Replace(kNamespace, secret).status(), script);
      break;
    case 'd': CheckQuiet(api.Delete(kNamespace, name, std::string("42")), script); break;
    case 'k': {
      auto key = k8s::ReadRootKey(api, kNamespace, "vsecm-root-key");
      if (key.ok() && key->empty()) Fail("an empty root key was read");
      CheckQuiet(key.status(), script);
      break;
    }
    case 'K': {
      const std::string_view key = kCanary;
      CheckQuiet(k8s::CreateRootKey(api, kNamespace, "vsecm-root-key",
                                    {reinterpret_cast<const uint8_t*>(key.data()), key.size()}),
                 script);
      break;
    }
    default: CheckQuiet(api.Get(kNamespace, name).status(), script); break;
  }
  // What went to the server: data values only ever as base64, never as they are.
  const std::string sent = a.server->request_bodies();
  if (sent.find(kCanary) != std::string::npos) Fail("a request carried secret data unencoded");
  if ((op == 'c' || op == 'r') && a.server->requests() > 0 &&
      sent.find(Base64(kCanary)) == std::string::npos) {
    Fail("a written Secret lost its data");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view rest = input.empty() ? input : input.substr(1);
  switch (input.empty() ? '\0' : input[0]) {
    case 'S': DecodeBody(rest); break;
    case 'K': Kubeconfig(rest); break;
    case 'I': InCluster(rest); break;
    case 'U': ServerUrl(rest); break;
    case 'A': Converse(rest.empty() ? 'g' : rest[0], rest.empty() ? rest : rest.substr(1)); break;
    default:
      DecodeBody(input);
      ServerUrl(input);
      break;
  }
  return 0;
}
