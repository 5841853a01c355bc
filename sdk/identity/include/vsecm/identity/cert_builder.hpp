// Building and signing X.509 certificates: the development CA uses it for its CA and SVIDs, and
// tests use it for the certificates an SVID must NOT look like (two URI SANs, a CA leaf, ...).
#ifndef VSECM_IDENTITY_CERT_BUILDER_HPP_
#define VSECM_IDENTITY_CERT_BUILDER_HPP_

#include <openssl/x509v3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "vsecm/identity/x509.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

struct CertificateSpec {
  std::string organization = "VSecM";
  std::string common_name;                // left out when empty
  std::vector<std::string> uris;          // URI SANs, in this order
  std::vector<std::string> dns_names;     // DNS SANs
  std::vector<std::string> ip_addresses;  // IP SANs, "127.0.0.1" or "::1"
  bool is_ca = false;                     // basicConstraints CA:TRUE (critical either way)
  // KU_* bits of openssl/x509v3.h, as a critical keyUsage; 0 leaves the extension out.
  uint32_t key_usage = KU_DIGITAL_SIGNATURE;
  bool server_auth = true;  // extendedKeyUsage serverAuth
  bool client_auth = true;  // extendedKeyUsage clientAuth
  int64_t not_before = 0;   // seconds since the epoch
  int64_t not_after = 0;
};

// A fresh EC P-256 key.
StatusOr<EvpPkeyPtr> GenerateEcKey();

// Signs a certificate for `subject_key` (its public half) with SHA-256. `issuer`/`issuer_key`
// null means self-signed. Adds subjectKeyIdentifier and authorityKeyIdentifier and a random
// 127-bit serial. Rejects DNS names and IP addresses that do not parse.
StatusOr<X509Ptr> BuildCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                   EVP_PKEY* issuer_key);

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_CERT_BUILDER_HPP_
