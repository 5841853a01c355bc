// X.509-SVID rules (SPIFFE X509-SVID.md) and chain verification against a trust bundle.
//
// A leaf is an SVID when it carries exactly one URI SAN, that URI is a valid spiffe:// ID, it
// is not a CA, and its key usage has digitalSignature but neither keyCertSign nor cRLSign.
// Anything else is refused with a reason an operator can act on (and an auditor can record).
#ifndef VSECM_IDENTITY_SVID_HPP_
#define VSECM_IDENTITY_SVID_HPP_

#include <openssl/x509.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "vsecm/identity/spiffe_id.hpp"
#include "vsecm/identity/x509.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

// The SPIFFE ID of an X.509-SVID leaf after checking the leaf rules above. PERMISSION_DENIED
// names the broken rule ("certificate has 2 URI SANs; an SVID has exactly one").
StatusOr<SpiffeId> SpiffeIdFromCertificate(X509* leaf);

struct VerifyOptions {
  // The trust domain the SVID must belong to; empty accepts any.
  std::string trust_domain = std::string(kDefaultTrustDomain);
  // Verification time (seconds since the epoch); nullopt means now.
  std::optional<int64_t> at;
  // Skip the validity period check (used to check a source's own SVID against its bundle,
  // where clock skew must not block a reload; never for a peer).
  bool ignore_time = false;
};

// Verifies `chain` (leaf first, then any intermediates) against `bundle` (the trust anchors)
// with an OpenSSL X509_STORE, then applies the leaf rules and the trust-domain check.
// Certificates of the bundle are anchors even when not self-signed, as in go-spiffe.
// PERMISSION_DENIED with OpenSSL's reason ("certificate has expired") on failure.
StatusOr<SpiffeId> VerifySvidChain(std::span<const X509Ptr> chain, std::span<const X509Ptr> bundle,
                                   const VerifyOptions& options);

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_SVID_HPP_
