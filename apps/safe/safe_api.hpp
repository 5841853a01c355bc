// VSecM's HTTP API over the kernel: routing, authorization by SPIFFE ID, and the handlers.
//
//   GET    /sentinel/v1/keystone          Sentinel   {"status":"ready"|"pending"}
//   GET    /sentinel/v1/secrets[?reveal=true]  Sentinel   list (values masked, or encrypted)
//   POST   /sentinel/v1/secrets           Sentinel   upsert, or encrypt-only without workloads
//   DELETE /sentinel/v1/secrets           Sentinel   {"workloads":[…]}
//   POST   /sentinel/v1/keys              Sentinel   root key, in manual mode
//   GET    /workload/v1/secrets           a workload its own secret: {data, created, updated}
//
// Status codes follow VSecM: 400 for a refused identity or a bad request, 404 when a workload
// has no secret, 503 until the Safe is ready; unknown paths get 404 and unknown methods 405.
//
// Every request is decided twice from its headers alone: once by Admit(), on the I/O thread
// before any body is read (refusals are answered there, and audited once), and again by
// Handle() on a worker, which then serves it. The decision is cheap and has no side effect
// unless it refuses.
#ifndef VSECM_APPS_SAFE_SAFE_API_HPP_
#define VSECM_APPS_SAFE_SAFE_API_HPP_

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "https_server.hpp"
#include "lifecycle.hpp"
#include "metrics.hpp"
#include "http_types.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::safe {

class K8sSecretSync;

// Who a verified peer is. Exactly one role: an identity that is Sentinel or the Safe is never
// also served as a workload.
enum class PeerRole { kNone, kSentinel, kSafe, kWorkload };

struct PeerIdentity {
  PeerRole role = PeerRole::kNone;
  std::string workload_name;       // kWorkload only
  std::string workload_namespace;  // kWorkload only: what its SPIFFE ID names ("" for none)
};

struct Roles {
  // By VSecM's regular expressions (see vsecm/identity/roles.hpp).
  std::function<PeerIdentity(const std::string& spiffe_id)> classify;
  // The workload names of VSecM's own identities: no workload secret may take one of them.
  std::vector<std::string> reserved_names;
};

class SafeApi {
 public:
  // `k8s` (may be null) keeps `k8s:` secrets as Kubernetes Secrets too.
  SafeApi(kernel::SafeKernel& kernel, Lifecycle& lifecycle, Roles roles, Metrics& metrics,
          K8sSecretSync* k8s = nullptr)
      : kernel_(kernel), lifecycle_(lifecycle), roles_(std::move(roles)), metrics_(metrics),
        k8s_(k8s) {}

  // From the headers only: refuses (and audits) what may not be served, and tells the server
  // how much body to read and on which workers to run the request.
  Admission Admit(const RequestHeader& header, const std::string& peer);
  Response Handle(Request& request, const std::string& peer);

 private:
  enum class Endpoint { kKeystone, kList, kReveal, kUpsert, kDelete, kKeys, kFetch };
  struct Decision {
    std::optional<Endpoint> endpoint;  // nullopt: `answer` is the response
    Response answer;
    std::string route;                 // the metrics label: a fixed set
    PeerIdentity peer;
  };

  Decision Decide(const RequestHeader& header, const kernel::Caller& caller);
  Response Finish(Response response, const RequestHeader& header, const kernel::Caller& caller,
                  const std::string& route, std::chrono::steady_clock::time_point start);
  Response Upsert(Request& request, const kernel::Caller& caller);
  Response Delete(Request& request, const kernel::Caller& caller);
  Response List(const kernel::Caller& caller, bool reveal);
  Response Keys(Request& request, const kernel::Caller& caller);
  Response Fetch(const kernel::Caller& caller, const PeerIdentity& peer);
  Response Refuse(const kernel::Caller& caller, std::string_view target, const std::string& why);

  kernel::SafeKernel& kernel_;
  Lifecycle& lifecycle_;
  Roles roles_;
  Metrics& metrics_;
  K8sSecretSync* k8s_;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SAFE_API_HPP_
