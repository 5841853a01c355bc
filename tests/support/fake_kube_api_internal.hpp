// Pieces of FakeKubeApi: certificates, Status objects, and the Secrets REST semantics.
#ifndef VSECM_TESTS_SUPPORT_FAKE_KUBE_API_INTERNAL_HPP_
#define VSECM_TESTS_SUPPORT_FAKE_KUBE_API_INTERNAL_HPP_

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace vsecm::testing::fake_kube {

struct KeyAndCert {
  std::string cert_pem;
  std::string key_pem;
};

// A fresh P-256 CA (CN `name`), self-signed, valid from an hour ago for a day.
KeyAndCert MakeCa(const std::string& name);
// A leaf signed by `ca`: a server certificate for 127.0.0.1, ::1 and localhost, or a client
// certificate (CN `common_name`).
KeyAndCert IssueLeaf(const KeyAndCert& ca, const std::string& common_name, bool server);

struct Call {
  std::string method;
  std::string path;
  std::string query;
  std::string accept;
  std::string body;
};

struct Reply {
  int status = 200;
  nlohmann::json body;
  std::string retry_after;
};

// {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",...} as the API server
// writes it; `name` fills details.name/kind when not empty.
Reply StatusReply(int code, const std::string& reason, const std::string& message,
                  const std::string& name = "");

std::string Base64Encode(const std::string& bytes);

// ---- rules (fake_kube_api_rules.cpp)
bool IsDnsSubdomain(const std::string& name);
std::string Now();  // RFC 3339, UTC, seconds
// The string member `key` of an object, or "".
std::string Text(const nlohmann::json& j, const char* key);

// /api/v1/namespaces/{ns}/secrets[/{name}]
struct Route {
  std::string ns;
  std::string name;
  bool ok = false;
};
Route ParseRoute(const std::string& path);

Reply Invalid(const std::string& name, const std::string& detail);   // 422
Reply Conflict(const std::string& name, const std::string& why);     // 409 Conflict
// Normalizes (stringData, default type) and checks data keys, base64 and the 1 MiB limit of an
// incoming object; nullopt when it is fine.
std::optional<Reply> CheckData(nlohmann::json& object, const std::string& name);
std::optional<Reply> CheckNamespace(const nlohmann::json& object, const std::string& ns);
// The request body as a Secret object (metadata ensured), or nullopt when it is not one.
std::optional<nlohmann::json> ParseObject(const std::string& body);

// Equality-based label selectors: k=v, k==v, k!=v, k, !k.
struct Requirement {
  enum Op { kEq, kNe, kExists, kNotExists } op;
  std::string key;
  std::string value;
};
std::optional<std::vector<Requirement>> ParseSelector(const std::string& selector);
bool Matches(const std::vector<Requirement>& selector, const nlohmann::json& object);

// Decodes %XX and '+' in a query component.
std::string QueryUnescape(const std::string& text);
std::map<std::string, std::string> ParseQuery(const std::string& query);

// The stored Secrets and the REST semantics over them. Thread-safe.
class SecretsState {
 public:
  // Answers one authenticated, authorized call.
  Reply Handle(const Call& call);
  // The RBAC verb and the object name of a call, for authorization; empty verb when the path is
  // not a Secrets path.
  static std::pair<std::string, std::string> VerbAndName(const Call& call);

  std::optional<nlohmann::json> Get(const std::string& ns, const std::string& name) const;
  std::vector<std::string> Names(const std::string& ns) const;
  void Seed(const std::string& ns, nlohmann::json secret);

  void InterleaveWritesBeforeUpdates(int count);
  void CreateBeforeNextCreate(const std::string& ns, nlohmann::json secret);
  void SetMaxPageSize(size_t n);
  void ExpireNextContinueToken();

 private:
  Reply List(const std::string& ns, const Call& call);
  Reply Create(const std::string& ns, const Call& call);
  Reply Replace(const std::string& ns, const std::string& name, const Call& call);
  Reply Delete(const std::string& ns, const std::string& name, const Call& call);
  // Fills server-owned metadata and stores; returns the stored object.
  nlohmann::json StoreLocked(const std::string& ns, nlohmann::json object, bool keep_identity);
  std::string NextResourceVersionLocked();

  mutable std::mutex mu_;
  std::map<std::string, std::map<std::string, nlohmann::json>> objects_;  // ns → name → object
  uint64_t resource_version_ = 1000;
  uint64_t uid_counter_ = 0;
  int interleave_updates_ = 0;
  std::optional<std::pair<std::string, nlohmann::json>> create_first_;  // ns, object
  size_t max_page_ = 0;
  bool expire_next_continue_ = false;
};

}  // namespace vsecm::testing::fake_kube

#endif  // VSECM_TESTS_SUPPORT_FAKE_KUBE_API_INTERNAL_HPP_
