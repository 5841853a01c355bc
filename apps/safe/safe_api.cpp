#include "safe_api.hpp"

#include <algorithm>
#include <chrono>

#include <fmt/format.h>

#include "api_json.hpp"
#include "k8s_secret_sync.hpp"
#include "vsecm/kernel/audit.hpp"
#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::safe {
namespace {

namespace http = boost::beast::http;
using kernel::AuditAction;

constexpr std::string_view kKeystone = "/sentinel/v1/keystone";
constexpr std::string_view kSentinelSecrets = "/sentinel/v1/secrets";
constexpr std::string_view kSentinelKeys = "/sentinel/v1/keys";
constexpr std::string_view kWorkloadSecrets = "/workload/v1/secrets";
// VSecM's own keystone secret: Sentinel's init commands have run once it exists.
constexpr std::string_view kKeystoneSecret = "vsecm-keystone";

http::status StatusFor(const Status& s) {
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kIntegrityFailure:
      return http::status::bad_request;
    case StatusCode::kNotFound:
      return http::status::not_found;
    case StatusCode::kPermissionDenied:
      return http::status::bad_request;
    case StatusCode::kUnavailable:
      return http::status::service_unavailable;
    default:
      return http::status::internal_server_error;
  }
}

kernel::Timestamp Now() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

// True when the query has exactly `parameter` ("reveal=true") as one of its &-separated
// parameters; "xreveal=true" or "reveal=true2" are not it.
bool HasQueryParameter(std::string_view query, std::string_view parameter) {
  while (!query.empty()) {
    const size_t end = query.find('&');
    if (query.substr(0, end) == parameter) return true;
    if (end == std::string_view::npos) break;
    query.remove_prefix(end + 1);
  }
  return false;
}

}  // namespace

Admission SafeApi::Admit(const RequestHeader& header, const std::string& peer) {
  const auto start = std::chrono::steady_clock::now();
  kernel::Caller caller{peer, kernel::NewCorrelationId()};
  Decision d = Decide(header, caller);
  Admission admission;
  if (!d.endpoint) {
    admission.answer = Finish(std::move(d.answer), header, caller, d.route, start);
    return admission;
  }
  const bool write = *d.endpoint == Endpoint::kUpsert || *d.endpoint == Endpoint::kDelete ||
                     *d.endpoint == Endpoint::kKeys;
  admission.write = write;
  // Only writes carry a body; the server caps it at its own limit.
  admission.body_limit = write ? std::numeric_limits<size_t>::max() : 0;
  return admission;
}

Response SafeApi::Handle(Request& request, const std::string& peer) {
  const auto start = std::chrono::steady_clock::now();
  kernel::Caller caller{peer, kernel::NewCorrelationId()};
  Decision d = Decide(request.base(), caller);
  Response response;
  if (!d.endpoint) {
    response = std::move(d.answer);
  } else {
    switch (*d.endpoint) {
      case Endpoint::kKeystone:
        response = KeystoneResponse(kernel_.registry().Read(caller, kKeystoneSecret).ok());
        break;
      case Endpoint::kList: response = List(caller, false); break;
      case Endpoint::kReveal: response = List(caller, true); break;
      case Endpoint::kUpsert: response = Upsert(request, caller); break;
      case Endpoint::kDelete: response = Delete(request, caller); break;
      case Endpoint::kKeys: response = Keys(request, caller); break;
      case Endpoint::kFetch: response = Fetch(caller, d.peer); break;
    }
  }
  return Finish(std::move(response), request.base(), caller, d.route, start);
}

Response SafeApi::Finish(Response response, const RequestHeader& header,
                         const kernel::Caller& caller, const std::string& route,
                         std::chrono::steady_clock::time_point start) {
  response.set("X-Correlation-Id", caller.correlation_id);
  metrics_.ObserveRequest(StdView(header.method_string()), route,
                          response.result_int(), std::chrono::steady_clock::now() - start);
  return response;
}

Response SafeApi::Refuse(const kernel::Caller& caller, std::string_view target,
                         const std::string& why) {
  kernel::AuditEvent e;
  e.time = Now();
  e.correlation_id = caller.correlation_id;
  e.actor = caller.actor;
  e.action = AuditAction::kRefuse;
  e.target = std::string(target);
  e.outcome = kernel::AuditOutcome::kDenied;
  e.reason = why;
  kernel_.audit().Record(e);
  return ErrorResponse(http::status::bad_request, why);
}

SafeApi::Decision SafeApi::Decide(const RequestHeader& header, const kernel::Caller& caller) {
  Decision d;
  d.route = "unknown";
  std::string_view target = StdView(header.target());
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : "";
  const auto method = header.method();
  const bool sentinel_path = path == kKeystone || path == kSentinelSecrets || path == kSentinelKeys;
  if (!sentinel_path && path != kWorkloadSecrets) {
    d.answer = ErrorResponse(http::status::not_found,
                             fmt::format("no such path: {}", path.substr(0, 128)));
    return d;
  }
  d.route = std::string(path);

  // One classification decides the role: Sentinel and the Safe are never workloads.
  d.peer = roles_.classify(caller.actor);
  if (sentinel_path && d.peer.role != PeerRole::kSentinel) {
    d.answer = Refuse(caller, path, fmt::format("{} is not VSecM Sentinel; only Sentinel may use {}",
                                                caller.actor, path));
    return d;
  }
  if (!sentinel_path && d.peer.role != PeerRole::kWorkload) {
    d.answer = Refuse(caller, path,
                      d.peer.role == PeerRole::kNone
                          ? fmt::format("{} is not a workload SPIFFE ID", caller.actor)
                          : fmt::format("{} is VSecM's own identity, not a workload: it is "
                                        "served no workload secret",
                                        caller.actor));
    return d;
  }
  const bool keys = path == kSentinelKeys && method == http::verb::post;
  if (!lifecycle_.ready() && !keys) {
    d.answer = ErrorResponse(http::status::service_unavailable,
                             fmt::format("the safe is not ready: {}", lifecycle_.Describe()));
    return d;
  }
  if (path == kKeystone && method == http::verb::get) {
    d.endpoint = Endpoint::kKeystone;
  } else if (path == kSentinelSecrets && method == http::verb::get) {
    d.endpoint = HasQueryParameter(query, "reveal=true") ? Endpoint::kReveal : Endpoint::kList;
  } else if (path == kSentinelSecrets && method == http::verb::post) {
    d.endpoint = Endpoint::kUpsert;
  } else if (path == kSentinelSecrets && method == http::verb::delete_) {
    d.endpoint = Endpoint::kDelete;
  } else if (keys) {
    d.endpoint = Endpoint::kKeys;
  } else if (path == kWorkloadSecrets && method == http::verb::get) {
    d.endpoint = Endpoint::kFetch;
  } else {
    d.answer = ErrorResponse(
        http::status::method_not_allowed,
        fmt::format("{} is not allowed on {}", StdView(header.method_string()).substr(0, 32), path));
  }
  return d;
}

Response SafeApi::Upsert(Request& request, const kernel::Caller& caller) {
  auto body = ParseUpsertBody(request.body().Expose(), Now());
  if (!body.ok()) return Refuse(caller, kSentinelSecrets, body.status().message());
  kernel::SecretRegistry& registry = kernel_.registry();

  if (body->workloads.empty()) {
    if (!body->encrypt) return Refuse(caller, kSentinelSecrets, "no workloads given");
    if (body->value.empty()) return Refuse(caller, kSentinelSecrets, "no value to encrypt");
    auto ciphertext = registry.EncryptValue(caller, body->value.Expose());
    if (!ciphertext.ok()) return ErrorResponse(StatusFor(ciphertext.status()), ciphertext.status().message());
    return TextResponse(http::status::ok, Base64(*ciphertext));
  }

  for (const std::string& name : body->workloads) {
    if (std::find(roles_.reserved_names.begin(), roles_.reserved_names.end(), name) !=
        roles_.reserved_names.end()) {
      return Refuse(caller, kSentinelSecrets,
                    fmt::format("\"{}\" is the name of a VSecM identity; it cannot be a "
                                "workload secret",
                                name));
    }
  }
  kernel::UpsertRequest upsert;
  upsert.workloads = std::move(body->workloads);
  // VSecM's clients send ["default"] when the operator named no namespace (Sentinel's -n
  // default), so only other lists bind the secret to the workloads of those namespaces.
  upsert.bind_namespaces =
      !body->namespaces.empty() &&
      !(body->namespaces.size() == 1 && body->namespaces.front() == "default");
  upsert.namespaces = body->namespaces.empty() ? std::vector<std::string>{"default"}
                                               : std::move(body->namespaces);
  // A `k8s:` secret whose Kubernetes Secrets the Safe may not write is refused before anything
  // is stored (K8sSecretSync::Apply checks again before each write).
  if (k8s_ != nullptr) {
    for (const std::string& name : upsert.workloads) {
      if (!k8s_->Applies(name)) continue;
      Status target = k8s_->CheckTarget(name, upsert.namespaces);
      if (target.code() == StatusCode::kInvalidArgument ||
          target.code() == StatusCode::kFailedPrecondition) {
        return Refuse(caller, kSentinelSecrets, target.message());
      }
      if (!target.ok()) {
        return ErrorResponse(StatusFor(target),
                             fmt::format("\"{}\" is not stored: its Kubernetes Secrets cannot be "
                                         "checked: {}",
                                         name, target.message()));
      }
    }
  }
  upsert.template_text = std::move(body->template_text);
  upsert.format = std::move(body->format);
  upsert.not_before = body->not_before;
  upsert.expires_after = body->expires;
  if (body->encrypt) {
    // The value was encrypted earlier with this Safe's key (base64 of the cipher text).
    auto ciphertext = kernel::DecodeBase64(body->value.Expose());
    if (!ciphertext.ok()) return Refuse(caller, kSentinelSecrets, "value: not base64 cipher text");
    auto plain = registry.DecryptValue(caller, ciphertext->Expose());
    if (!plain.ok()) {
      return ErrorResponse(http::status::bad_request,
                           "value: cannot be decrypted with this Safe's key: " + plain.status().message());
    }
    upsert.values.push_back(std::move(plain).value());
  } else {
    upsert.values.push_back(std::move(body->value));
  }
  Status s = registry.Upsert(caller, upsert);
  if (!s.ok()) {
    if (s.code() != StatusCode::kInvalidArgument && s.code() != StatusCode::kFailedPrecondition) {
      metrics_.StoreError();
    }
    return ErrorResponse(StatusFor(s), s.message());
  }
  for (const std::string& name : upsert.workloads) {
    if (k8s_ == nullptr || !k8s_->Applies(name)) continue;
    auto rendered = registry.Read(caller, name);
    Status synced = rendered.ok() ? k8s_->Apply(name, upsert.namespaces, rendered->data)
                                  : rendered.status();
    if (!synced.ok()) {
      // The secret is stored and served; the copy in Kubernetes is not. Repeating the upsert
      // writes it again.
      return ErrorResponse(http::status::internal_server_error,
                           fmt::format("\"{}\" is stored, but not as a Kubernetes Secret: {}",
                                       name, synced.message()));
    }
  }
  return TextResponse(http::status::ok, "OK");
}

Response SafeApi::Delete(Request& request, const kernel::Caller& caller) {
  auto workloads = ParseDeleteBody(request.body().Expose());
  if (!workloads.ok()) return Refuse(caller, kSentinelSecrets, workloads.status().message());
  // The namespaces of `k8s:` secrets, read before they are gone.
  std::vector<std::pair<std::string, std::vector<std::string>>> k8s_copies;
  if (k8s_ != nullptr) {
    for (const kernel::SecretSummary& secret : kernel_.registry().List(caller)) {
      if (k8s_->Applies(secret.name) &&
          std::find(workloads->begin(), workloads->end(), secret.name) != workloads->end()) {
        k8s_copies.emplace_back(secret.name, secret.namespaces);
      }
    }
  }
  Status s = kernel_.registry().Delete(caller, *workloads);
  if (!s.ok()) {
    if (s.code() != StatusCode::kInvalidArgument) metrics_.StoreError();
    return ErrorResponse(StatusFor(s), s.message());
  }
  for (const auto& [name, namespaces] : k8s_copies) {
    if (Status removed = k8s_->Remove(name, namespaces); !removed.ok()) {
      return ErrorResponse(http::status::internal_server_error,
                           fmt::format("\"{}\" is deleted, but its Kubernetes Secret is not: {}",
                                       name, removed.message()));
    }
  }
  return TextResponse(http::status::ok, "OK");
}

Response SafeApi::List(const kernel::Caller& caller, bool reveal) {
  if (!reveal) return SecretListResponse(kernel_.registry().List(caller));
  auto encrypted = kernel_.registry().ListEncrypted(caller);
  if (!encrypted.ok()) return ErrorResponse(StatusFor(encrypted.status()), encrypted.status().message());
  // VSecM names its algorithms "age" and "aes".
  std::string_view algorithm = kernel_.crypto().algorithm();
  return EncryptedListResponse(*encrypted, algorithm.rfind("aes", 0) == 0 ? "aes" : algorithm);
}

Response SafeApi::Keys(Request& request, const kernel::Caller& caller) {
  if (!lifecycle_.manual_root_key()) {
    return Refuse(caller, kSentinelKeys,
                  "the safe is not in manual root key mode (VSECM_ROOT_KEY_INPUT_MODE_MANUAL)");
  }
  auto body = ParseRootKeyBody(request.body().Expose());
  if (!body.ok()) return Refuse(caller, kSentinelKeys, body.status().message());
  auto root_key = kernel::RootKey::FromParts(body->age_secret_key.ExposeText(),
                                             body->age_public_key.ExposeText(),
                                             body->aes_cipher_key.ExposeText());
  if (!root_key.ok()) return Refuse(caller, kSentinelKeys, root_key.status().message());
  Status s = lifecycle_.Activate(*root_key);
  kernel::AuditEvent e;
  e.time = Now();
  e.correlation_id = caller.correlation_id;
  e.actor = caller.actor;
  e.action = AuditAction::kRootKey;
  e.target = "root key";
  e.outcome = s.ok() ? kernel::AuditOutcome::kSuccess : kernel::AuditOutcome::kFailure;
  e.reason = s.ok() ? "" : s.message();
  kernel_.audit().Record(e);
  if (!s.ok()) return ErrorResponse(StatusFor(s), s.message());
  return TextResponse(http::status::ok, "OK");
}

Response SafeApi::Fetch(const kernel::Caller& caller, const PeerIdentity& peer) {
  auto secret = kernel_.registry().Read(caller, peer.workload_name, peer.workload_namespace);
  if (!secret.ok()) return ErrorResponse(StatusFor(secret.status()), secret.status().message());
  return WorkloadSecretResponse(*secret);
}

}  // namespace vsecm::safe
