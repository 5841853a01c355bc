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
#ifndef VSECM_APPS_SAFE_SAFE_API_HPP_
#define VSECM_APPS_SAFE_SAFE_API_HPP_

#include <functional>
#include <optional>
#include <string>

#include "lifecycle.hpp"
#include "metrics.hpp"
#include "secret_body.hpp"
#include "vsecm/kernel/safe_kernel.hpp"

namespace vsecm::safe {

class K8sSecretSync;

// Who a SPIFFE ID is, by VSecM's regular expressions.
struct Roles {
  std::function<bool(const std::string& spiffe_id)> is_sentinel;
  // The workload name a workload's SPIFFE ID carries, or nullopt when it is not a workload.
  std::function<std::optional<std::string>(const std::string& spiffe_id)> workload_name;
};

class SafeApi {
 public:
  // `k8s` (may be null) keeps `k8s:` secrets as Kubernetes Secrets too.
  SafeApi(kernel::SafeKernel& kernel, Lifecycle& lifecycle, Roles roles, Metrics& metrics,
          K8sSecretSync* k8s = nullptr)
      : kernel_(kernel), lifecycle_(lifecycle), roles_(std::move(roles)), metrics_(metrics),
        k8s_(k8s) {}

  Response Handle(Request& request, const std::string& peer);

 private:
  Response Route(Request& request, const kernel::Caller& caller, std::string& route);
  Response Upsert(Request& request, const kernel::Caller& caller);
  Response Delete(Request& request, const kernel::Caller& caller);
  Response List(const kernel::Caller& caller, bool reveal);
  Response Keys(Request& request, const kernel::Caller& caller);
  Response Fetch(const kernel::Caller& caller);
  Response Refuse(const kernel::Caller& caller, std::string_view target, const std::string& why);

  kernel::SafeKernel& kernel_;
  Lifecycle& lifecycle_;
  Roles roles_;
  Metrics& metrics_;
  K8sSecretSync* k8s_;
};

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SAFE_API_HPP_
