#include "vsecm/identity/spiffe_id.hpp"

#include <string>

#include "quote.hpp"

namespace vsecm::identity {
namespace {

bool IsTrustDomainChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

bool IsPathChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

Status Refuse(std::string_view text, std::string_view why) {
  return InvalidArgument("spiffe id " + internal::Quote(text) + ": " + std::string(why));
}

// Names the first offending character of an authority the way an operator would describe it.
std::string_view AuthorityProblem(char c) {
  switch (c) {
    case '@':
      return "userinfo is not allowed";
    case ':':
      return "a port is not allowed";
    case '?':
      return "a query is not allowed";
    case '#':
      return "a fragment is not allowed";
    case '%':
      return "percent-encoding is not allowed";
    default:
      break;
  }
  if (c >= 'A' && c <= 'Z') return "the trust domain must be lower case";
  return "the trust domain has a character outside [a-z0-9.-_]";
}

std::string_view PathProblem(char c) {
  switch (c) {
    case '?':
      return "a query is not allowed";
    case '#':
      return "a fragment is not allowed";
    case '%':
      return "percent-encoding is not allowed";
    default:
      return "the path has a character outside [a-zA-Z0-9.-_]";
  }
}

}  // namespace

Status ValidateTrustDomain(std::string_view trust_domain) {
  if (trust_domain.empty()) return InvalidArgument("trust domain is empty");
  if (trust_domain.size() > kMaxTrustDomainBytes) {
    return InvalidArgument("trust domain is longer than 255 bytes");
  }
  for (char c : trust_domain) {
    if (!IsTrustDomainChar(c)) {
      return InvalidArgument("trust domain " + internal::Quote(trust_domain) + ": " +
                             std::string(AuthorityProblem(c)));
    }
  }
  return Status::Ok();
}

StatusOr<SpiffeId> SpiffeId::Parse(std::string_view text) {
  if (text.empty()) return InvalidArgument("spiffe id is empty");
  if (text.size() > kMaxSpiffeIdBytes) return Refuse(text, "longer than 2048 bytes");
  if (text.substr(0, kScheme.size()) != kScheme) {
    return Refuse(text, "the scheme must be \"spiffe://\" (lower case)");
  }
  const std::string_view rest = text.substr(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  if (authority.empty()) return Refuse(text, "the trust domain is missing");
  if (authority.size() > kMaxTrustDomainBytes) {
    return Refuse(text, "the trust domain is longer than 255 bytes");
  }
  for (char c : authority) {
    if (!IsTrustDomainChar(c)) return Refuse(text, AuthorityProblem(c));
  }
  if (slash != std::string_view::npos) {
    std::string_view path = rest.substr(slash);  // starts with '/'
    if (path.size() == 1 || path.back() == '/') {
      return Refuse(text, "the path must not end with \"/\"");
    }
    while (!path.empty()) {
      path.remove_prefix(1);  // the '/'
      const size_t next = path.find('/');
      const std::string_view segment = path.substr(0, next);
      if (segment.empty()) return Refuse(text, "the path has an empty segment");
      if (segment == "." || segment == "..") {
        return Refuse(text, "the path has a \".\" or \"..\" segment");
      }
      for (char c : segment) {
        if (!IsPathChar(c)) return Refuse(text, PathProblem(c));
      }
      path = next == std::string_view::npos ? std::string_view() : path.substr(next);
    }
  }
  return SpiffeId(std::string(text), authority.size());
}

}  // namespace vsecm::identity
