#include "vsecm/identity/roles.hpp"

#include <string>

#include "quote.hpp"

namespace vsecm::identity {
namespace {

std::string Default(std::string_view trust_domain, std::string_view rest) {
  return "^spiffe://" + std::string(trust_domain) + "/" + std::string(rest);
}

std::string Setting(const kernel::EnvLookup& env, const char* name, std::string fallback) {
  std::optional<std::string> value = env ? env(name) : std::nullopt;
  return value.has_value() && !value->empty() ? *value : std::move(fallback);
}

StatusOr<std::regex> Compile(std::string_view setting, const std::string& pattern) {
  try {
    return std::regex(pattern, std::regex::ECMAScript | std::regex::optimize);
  } catch (const std::regex_error& e) {
    return InvalidArgument(std::string(setting) +
                           ": the regular expression does not compile: " + e.what());
  }
}

}  // namespace

StatusOr<std::string> TrustDomainFromEnvironment(const kernel::EnvLookup& env) {
  std::string domain = Setting(env, kTrustDomainEnv, std::string(kDefaultTrustDomain));
  if (Status valid = ValidateTrustDomain(domain); !valid.ok()) {
    return valid.WithContext(kTrustDomainEnv);
  }
  return domain;
}

const char* RoleName(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kWorkload:
      return "workload";
    case Role::kSentinel:
      return "sentinel";
    case Role::kSafe:
      return "safe";
  }
  return "none";
}

StatusOr<IdPattern> IdPattern::Create(std::string_view setting, std::string pattern,
                                      std::string_view trust_domain) {
  IdPattern out;
  const std::string regex_start = "^spiffe://" + std::string(trust_domain) + "/";
  const std::string prefix_start = regex_start.substr(1);
  if (pattern.rfind(regex_start, 0) == 0) {
    VSECM_ASSIGN_OR_RETURN(std::regex regex, Compile(setting, pattern));
    out.regex_ = std::move(regex);
  } else if (pattern.rfind(prefix_start, 0) != 0) {
    // VSecM would compare such a value as a prefix, which could match IDs of any trust domain.
    return InvalidArgument(std::string(setting) + ": " + internal::Quote(pattern) +
                           " must start with \"" + regex_start + "\" (a regular expression) or \"" +
                           prefix_start + "\" (a prefix)");
  }
  out.text_ = std::move(pattern);
  return out;
}

bool IdPattern::Matches(std::string_view id) const {
  if (!regex_.has_value()) return id.substr(0, text_.size()) == text_;
  return std::regex_search(id.begin(), id.end(), *regex_);
}

StatusOr<RoleMatcher> RoleMatcher::FromEnvironment(const kernel::EnvLookup& env) {
  VSECM_ASSIGN_OR_RETURN(std::string domain, TrustDomainFromEnvironment(env));
  return Build(std::move(domain), env);
}

StatusOr<RoleMatcher> RoleMatcher::Defaults(std::string_view trust_domain) {
  VSECM_RETURN_IF_ERROR(ValidateTrustDomain(trust_domain));
  return Build(std::string(trust_domain), nullptr);
}

StatusOr<RoleMatcher> RoleMatcher::Build(std::string trust_domain, const kernel::EnvLookup& env) {
  VSECM_ASSIGN_OR_RETURN(IdPattern safe,
                         IdPattern::Create(kSafePatternEnv,
                                           Setting(env, kSafePatternEnv,
                                                   Default(trust_domain,
                                                           "workload/vsecm-safe/ns/vsecm-system/sa/"
                                                           "vsecm-safe/n/[^/]+$")),
                                           trust_domain));
  VSECM_ASSIGN_OR_RETURN(
      IdPattern sentinel,
      IdPattern::Create(kSentinelPatternEnv,
                        Setting(env, kSentinelPatternEnv,
                                Default(trust_domain,
                                        "workload/vsecm-sentinel/ns/vsecm-system/sa/"
                                        "vsecm-sentinel/n/[^/]+$")),
                        trust_domain));
  VSECM_ASSIGN_OR_RETURN(
      IdPattern workload,
      IdPattern::Create(kWorkloadPatternEnv,
                        Setting(env, kWorkloadPatternEnv,
                                Default(trust_domain, "workload/[^/]+/ns/[^/]+/sa/[^/]+/n/[^/]+$")),
                        trust_domain));
  std::string name_text =
      Setting(env, kWorkloadNamePatternEnv,
              Default(trust_domain, "workload/([^/]+)/ns/[^/]+/sa/[^/]+/n/[^/]+$"));
  if (name_text.rfind("^spiffe://" + trust_domain + "/", 0) != 0) {
    return InvalidArgument(std::string(kWorkloadNamePatternEnv) + ": " +
                           internal::Quote(name_text) + " must start with \"^spiffe://" +
                           trust_domain + "/\"");
  }
  VSECM_ASSIGN_OR_RETURN(std::regex name, Compile(kWorkloadNamePatternEnv, name_text));
  if (name.mark_count() < 1) {
    return InvalidArgument(std::string(kWorkloadNamePatternEnv) +
                           ": the regular expression needs a capture group for the workload name");
  }
  return RoleMatcher(std::move(trust_domain), std::move(safe), std::move(sentinel),
                     std::move(workload), std::move(name), std::move(name_text));
}

bool RoleMatcher::IsWorkload(const SpiffeId& id) const {
  if (!id.MemberOf(trust_domain_)) return false;
  // VSecM also requires the name pattern to match a workload ID.
  return std::regex_search(id.str(), name_) && workload_.Matches(id.str());
}

Role RoleMatcher::Classify(const SpiffeId& id) const {
  if (!IsWorkload(id)) return Role::kNone;
  if (sentinel_.Matches(id.str())) return Role::kSentinel;
  if (safe_.Matches(id.str())) return Role::kSafe;
  return Role::kWorkload;
}

std::optional<std::string> RoleMatcher::WorkloadName(const SpiffeId& id) const {
  if (Classify(id) != Role::kWorkload) return std::nullopt;
  std::smatch match;
  if (!std::regex_search(id.str(), match, name_) || match.size() < 2 || match[1].length() == 0) {
    return std::nullopt;
  }
  return match[1].str();
}

std::optional<std::string> RoleMatcher::WorkloadNamespace(const SpiffeId& id) const {
  if (Classify(id) != Role::kWorkload) return std::nullopt;
  std::string_view path = id.path();  // "/workload/x/ns/finance/sa/..." (no empty segments)
  while (!path.empty()) {
    path.remove_prefix(1);
    const size_t end = path.find('/');
    std::string_view segment = path.substr(0, end);
    path = end == std::string_view::npos ? std::string_view() : path.substr(end);
    if (segment == "ns" && !path.empty()) return std::string(path.substr(1, path.find('/', 1) - 1));
  }
  return std::nullopt;
}

}  // namespace vsecm::identity
