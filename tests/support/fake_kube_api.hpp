// A local Kubernetes API server for tests: HTTPS on 127.0.0.1 (a port the OS picks) with its own
// CA and server certificate made at start, answering the core/v1 Secrets API the way the real
// API server does:
//
//   GET/POST        /api/v1/namespaces/{ns}/secrets     list (labelSelector, limit/continue,
//                                                       PartialObjectMetadataList on request)
//                                                       and create
//   GET/PUT/DELETE  /api/v1/namespaces/{ns}/secrets/{n} get, replace, delete (preconditions)
//
// Objects carry kind/apiVersion/metadata{name,namespace,uid,resourceVersion,creationTimestamp,
// labels,annotations}/type/data (base64). Errors are Status objects with the real reasons and
// messages: NotFound (404), AlreadyExists and Conflict (409), Invalid (422: names, data keys,
// the 1 MiB data limit, immutable fields), BadRequest (400), Unauthorized (401: bearer token
// checked), Forbidden (403, per verb and name, on demand), RequestEntityTooLarge (413: 3 MiB
// bodies), Expired (410: continue tokens, on demand). Faults on demand: the next N requests
// answer 429 (with Retry-After) / 500 / 503, or their connection is dropped, or they stall
// (before the answer, or after the headers and half the body); concurrent writers are simulated
// before updates and creates. Every request is logged for assertions.
//
// Not modelled: watch, patch, field selectors, set-based label selectors (in/notin: 400),
// generateName, finalizers, server-side apply, the rest of the API.
//
// One thread accepts, one thread serves each connection; the destructor stops and joins all.
#ifndef VSECM_TESTS_SUPPORT_FAKE_KUBE_API_HPP_
#define VSECM_TESTS_SUPPORT_FAKE_KUBE_API_HPP_

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace vsecm::testing {

class FakeKubeApi {
 public:
  struct Options {
    std::vector<std::string> tokens = {"fake-token"};  // accepted bearer tokens; none: no check
    bool require_client_certificate = false;  // mutual TLS with certificates from this CA
  };

  struct RequestRecord {
    std::string method;
    std::string path;
    std::string query;          // raw, still percent-encoded
    std::string authorization;  // the header as sent
    std::string accept;
    std::string body;
    int status = 0;  // what the fake answered (0: the connection was dropped)
  };

  struct Credentials {
    std::string cert_pem;
    std::string key_pem;
  };

  FakeKubeApi();
  explicit FakeKubeApi(Options options);
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  uint16_t port() const;
  std::string server_url() const;  // https://127.0.0.1:<port>
  const std::string& ca_pem() const;

  // A client certificate signed by this server's CA (for require_client_certificate).
  Credentials IssueClientCertificate(const std::string& common_name) const;
  // A self-signed CA that has nothing to do with this server (for verification failures).
  static std::string UnrelatedCaPem();

  // A kubeconfig (YAML text) for this server, with the CA inline, and either a token, a token
  // file, or client credentials (whichever are non-empty).
  std::string Kubeconfig(const std::string& token, const std::string& token_file = "",
                         const Credentials* client = nullptr) const;

  // ---- behaviour
  void SetTokens(std::vector<std::string> tokens);
  // 403 for `verb` (get, list, create, update, delete) on secrets named `name` (any name when
  // empty), as RBAC would answer.
  void Forbid(const std::string& verb, const std::string& name = "");
  void ClearForbidden();
  // The next `count` authenticated requests answer `status` (429, 500, 503, ...), with a
  // Retry-After header when retry_after_seconds >= 0.
  void FailNext(int count, int status, int retry_after_seconds = -1);
  // The next `count` requests get no answer: their connection is closed after reading them.
  void DropNext(int count);
  // Where a stalled request stops: before anything of the answer is sent (an API server or
  // etcd that hangs), or after the status line, the headers and half the body.
  enum class StallPoint { kBeforeAnswer, kMidBody };
  // The next `count` requests stall for `duration` at `point` (a stand-in: a real
  // API server cannot be made to hang on demand), then are answered as usual, if the client
  // is still there. The destructor and ReleaseStalls() end stalls early.
  void StallNext(int count, std::chrono::milliseconds duration,
                 StallPoint point = StallPoint::kBeforeAnswer);
  void ReleaseStalls();
  // Before each of the next `count` updates (PUT), another writer changes the target Secret
  // (adds an annotation, new resourceVersion), so that update meets a real 409 Conflict.
  void InterleaveWritesBeforeUpdates(int count);
  // Before the next create (POST) in `ns`, `secret` is created there as if by someone else:
  // a create of the same name then meets a real 409 AlreadyExists (a race made on demand).
  void CreateBeforeNextCreate(const std::string& ns, nlohmann::json secret);
  // Lists return at most `n` items per page (0: as many as `limit` asks).
  void SetMaxPageSize(size_t n);
  // The next request that carries a continue token answers 410 Expired.
  void ExpireNextContinueToken();

  // ---- state
  // The stored object as GET would return it, or nullopt.
  std::optional<nlohmann::json> Get(const std::string& ns, const std::string& name) const;
  std::vector<std::string> Names(const std::string& ns) const;
  // Stores `secret` as if someone else had created it (uid, resourceVersion, timestamp added).
  void Seed(const std::string& ns, nlohmann::json secret);
  // Answered (or dropped) requests; a stalled one shows once its stall ends.
  std::vector<RequestRecord> Requests() const;
  void ClearRequests();
  // Requests read so far, stalled ones included (not reset by ClearRequests).
  size_t ReceivedCount() const;
  // TCP connections accepted so far (keep-alive reuse shows as fewer connections than requests).
  size_t ConnectionCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_SUPPORT_FAKE_KUBE_API_HPP_
