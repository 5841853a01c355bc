// OpenSSL ownership types and the certificate/key codecs the identity sources share. Private
// keys are decoded from and encoded into kernel::SecretBytes only: no PEM or DER key text ever
// sits in an ordinary heap buffer of ours.
#ifndef VSECM_IDENTITY_X509_HPP_
#define VSECM_IDENTITY_X509_HPP_

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

struct X509Deleter {
  void operator()(X509* p) const noexcept { X509_free(p); }
};
struct EvpPkeyDeleter {
  void operator()(EVP_PKEY* p) const noexcept { EVP_PKEY_free(p); }
};
struct X509StackDeleter {
  void operator()(STACK_OF(X509)* p) const noexcept { sk_X509_pop_free(p, X509_free); }
};
struct SslCtxDeleter {
  void operator()(SSL_CTX* p) const noexcept { SSL_CTX_free(p); }
};
struct SslDeleter {
  void operator()(SSL* p) const noexcept { SSL_free(p); }
};
using X509Ptr = std::unique_ptr<X509, X509Deleter>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyDeleter>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), X509StackDeleter>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxDeleter>;
using SslPtr = std::unique_ptr<SSL, SslDeleter>;

// A new owning reference to `cert` (X509_up_ref).
X509Ptr ShareCertificate(X509* cert);
EvpPkeyPtr ShareKey(EVP_PKEY* key);

// A stack holding new references to `certs`, for the OpenSSL calls that take STACK_OF(X509).
X509StackPtr ToStack(std::span<const X509Ptr> certs);

// Drains OpenSSL's error queue of this thread into one line ("" when it is empty).
std::string TakeOpenSslErrors();

// Every "CERTIFICATE" block of a PEM text, in order. `what` names the input in messages.
// INVALID_ARGUMENT when there is none or a block does not decode.
StatusOr<std::vector<X509Ptr>> ParsePemCertificates(std::string_view pem, std::string_view what);

// Certificates in DER, concatenated (the Workload API's encoding). INVALID_ARGUMENT when empty,
// malformed, or followed by trailing bytes.
StatusOr<std::vector<X509Ptr>> ParseDerCertificates(std::span<const uint8_t> der,
                                                    std::string_view what);

// PEM text of the certificates, in order.
StatusOr<std::string> CertificatesToPem(std::span<const X509Ptr> certs);

// Decodes the one private key block of a PEM text ("PRIVATE KEY", "EC PRIVATE KEY" or
// "RSA PRIVATE KEY") into PKCS#8 DER held in secure memory. Encrypted keys are refused.
StatusOr<kernel::SecretBytes> PrivateKeyPemToPkcs8(std::span<const uint8_t> pem,
                                                   std::string_view what);

// Parses unencrypted PKCS#8 DER (also accepts the traditional forms).
StatusOr<EvpPkeyPtr> ParsePrivateKeyDer(std::span<const uint8_t> der, std::string_view what);

// The key as PKCS#8 DER, and as a PKCS#8 "PRIVATE KEY" PEM text, both in secure memory.
StatusOr<kernel::SecretBytes> PrivateKeyToPkcs8(EVP_PKEY* key);
StatusOr<kernel::SecretBytes> Pkcs8ToPem(std::span<const uint8_t> pkcs8_der);

// "CN=x, serial 0A1B..." for log lines and error messages.
std::string DescribeCertificate(X509* cert);

// The certificate's notAfter as seconds since the epoch.
StatusOr<int64_t> NotAfter(const X509* cert);

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_X509_HPP_
