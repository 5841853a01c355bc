// SPIFFE IDs as the SPIFFE standard defines them (SPIFFE-ID.md): "spiffe://" + trust domain +
// optional path. Parsing is strict: an ID that another SPIFFE implementation would refuse is
// refused here too, so an attacker cannot smuggle a second reading of the same URI past us.
#ifndef VSECM_IDENTITY_SPIFFE_ID_HPP_
#define VSECM_IDENTITY_SPIFFE_ID_HPP_

#include <cstddef>
#include <string>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

// The most bytes a SPIFFE ID may have (the spec's URI limit).
inline constexpr size_t kMaxSpiffeIdBytes = 2048;
// The most bytes a trust domain name may have (a DNS name).
inline constexpr size_t kMaxTrustDomainBytes = 255;
// VSecM's trust domain when SPIFFE_TRUST_DOMAIN is unset.
inline constexpr std::string_view kDefaultTrustDomain = "vsecm.com";

// Checks a trust domain name: non-empty, at most 255 bytes, only [a-z0-9.-_].
Status ValidateTrustDomain(std::string_view trust_domain);

class SpiffeId {
 public:
  // Parses "spiffe://<trust domain>[/<segment>...]". Refused: another scheme (case matters),
  // userinfo, a port, a query, a fragment, percent-encoding, upper-case trust domains, empty,
  // "." or ".." segments, a trailing "/", characters outside the spec's sets, > 2048 bytes.
  static StatusOr<SpiffeId> Parse(std::string_view text);

  // "spiffe://vsecm.com/workload/x"
  const std::string& str() const noexcept { return text_; }
  // "vsecm.com"
  std::string_view trust_domain() const noexcept {
    return std::string_view(text_).substr(kScheme.size(), trust_domain_size_);
  }
  // "/workload/x", or "" for the trust domain's own ID.
  std::string_view path() const noexcept {
    return std::string_view(text_).substr(kScheme.size() + trust_domain_size_);
  }
  bool MemberOf(std::string_view trust_domain) const noexcept {
    return this->trust_domain() == trust_domain;
  }

  friend bool operator==(const SpiffeId& a, const SpiffeId& b) { return a.text_ == b.text_; }

  static constexpr std::string_view kScheme = "spiffe://";

 private:
  SpiffeId(std::string text, size_t trust_domain_size)
      : text_(std::move(text)), trust_domain_size_(trust_domain_size) {}

  std::string text_;
  size_t trust_domain_size_ = 0;
};

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_SPIFFE_ID_HPP_
