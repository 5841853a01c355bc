// Who a SPIFFE ID is, decided the way VSecM decides it (core/validation in VSecM): by regular
// expressions from the environment, with VSecM's defaults.
//
//   VSECM_SPIFFEID_PREFIX_SAFE      ^spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/[^/]+$
//   VSECM_SPIFFEID_PREFIX_SENTINEL  ^spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/[^/]+$
//   VSECM_SPIFFEID_PREFIX_WORKLOAD  ^spiffe://vsecm.com/workload/[^/]+/ns/[^/]+/sa/[^/]+/n/[^/]+$
//   VSECM_WORKLOAD_NAME_REGEXP      ^spiffe://vsecm.com/workload/([^/]+)/ns/[^/]+/sa/[^/]+/n/[^/]+$
//
// As in VSecM: a pattern that starts with "^spiffe://<trust domain>/" is a regular expression
// (ECMAScript here, RE2 there; the defaults mean the same in both), searched in the ID; any
// other value is a literal prefix. Stricter than VSecM: a literal prefix must itself start with
// "spiffe://<trust domain>/", the name pattern must be such a regex with a capture group, and
// every check first requires a valid SPIFFE ID in the trust domain. Sentinel and Safe IDs must
// also be workload IDs, as in VSecM. The default patterns use the configured trust domain.
//
// Roles are exclusive, unlike VSecM (where Sentinel's ID also matches the workload pattern and
// is served the secret named "vsecm-sentinel"): an ID is exactly one of Sentinel, Safe or
// workload, and only a workload has a workload name.
#ifndef VSECM_IDENTITY_ROLES_HPP_
#define VSECM_IDENTITY_ROLES_HPP_

#include <optional>
#include <regex>
#include <string>
#include <string_view>

#include "vsecm/identity/spiffe_id.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

inline constexpr const char* kTrustDomainEnv = "SPIFFE_TRUST_DOMAIN";
inline constexpr const char* kSafePatternEnv = "VSECM_SPIFFEID_PREFIX_SAFE";
inline constexpr const char* kSentinelPatternEnv = "VSECM_SPIFFEID_PREFIX_SENTINEL";
inline constexpr const char* kWorkloadPatternEnv = "VSECM_SPIFFEID_PREFIX_WORKLOAD";
inline constexpr const char* kWorkloadNamePatternEnv = "VSECM_WORKLOAD_NAME_REGEXP";

// SPIFFE_TRUST_DOMAIN, or "vsecm.com"; INVALID_ARGUMENT when set to an invalid name.
StatusOr<std::string> TrustDomainFromEnvironment(const kernel::EnvLookup& env);

enum class Role { kNone, kWorkload, kSentinel, kSafe };
const char* RoleName(Role role);

// One VSECM_SPIFFEID_PREFIX_* setting: a regex or a literal prefix.
class IdPattern {
 public:
  // `setting` names the variable in error messages.
  static StatusOr<IdPattern> Create(std::string_view setting, std::string pattern,
                                    std::string_view trust_domain);
  bool Matches(std::string_view id) const;
  const std::string& text() const noexcept { return text_; }

 private:
  IdPattern() = default;
  std::string text_;
  std::optional<std::regex> regex_;  // nullopt: literal prefix
};

class RoleMatcher {
 public:
  // Reads SPIFFE_TRUST_DOMAIN and the four VSECM_* variables above. INVALID_ARGUMENT names
  // the variable when a value does not compile or is insecure.
  static StatusOr<RoleMatcher> FromEnvironment(const kernel::EnvLookup& env);

  // The defaults for `trust_domain` (VSecM's exactly for "vsecm.com").
  static StatusOr<RoleMatcher> Defaults(std::string_view trust_domain = kDefaultTrustDomain);

  const std::string& trust_domain() const noexcept { return trust_domain_; }

  bool IsWorkload(const SpiffeId& id) const;
  bool IsSentinel(const SpiffeId& id) const {
    return IsWorkload(id) && sentinel_.Matches(id.str());
  }
  bool IsSafe(const SpiffeId& id) const { return IsWorkload(id) && safe_.Matches(id.str()); }

  // Sentinel before Safe before any workload; kNone for IDs outside every pattern.
  Role Classify(const SpiffeId& id) const;

  // The workload name (group 1 of VSECM_WORKLOAD_NAME_REGEXP) of a workload ID; nullopt for an
  // ID that is not a workload's (Sentinel's and the Safe's included) or whose group is empty.
  std::optional<std::string> WorkloadName(const SpiffeId& id) const;

  // The namespace a workload ID names: the path segment after "ns" (VSecM's
  // ".../ns/<namespace>/..."); nullopt for an ID that is not a workload's or names none.
  std::optional<std::string> WorkloadNamespace(const SpiffeId& id) const;

  // Patterns, for a client that must check it reached the Safe (see tls.hpp).
  const IdPattern& safe_pattern() const noexcept { return safe_; }

 private:
  RoleMatcher(std::string trust_domain, IdPattern safe, IdPattern sentinel, IdPattern workload,
              std::regex name, std::string name_text)
      : trust_domain_(std::move(trust_domain)),
        safe_(std::move(safe)),
        sentinel_(std::move(sentinel)),
        workload_(std::move(workload)),
        name_(std::move(name)),
        name_text_(std::move(name_text)) {}
  static StatusOr<RoleMatcher> Build(std::string trust_domain, const kernel::EnvLookup& env);

  std::string trust_domain_;
  IdPattern safe_;
  IdPattern sentinel_;
  IdPattern workload_;
  std::regex name_;
  std::string name_text_;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_ROLES_HPP_
