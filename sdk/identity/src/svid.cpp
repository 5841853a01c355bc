#include "vsecm/identity/svid.hpp"

#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "quote.hpp"

namespace vsecm::identity {
namespace {

struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};
struct StoreDeleter {
  void operator()(X509_STORE* p) const noexcept { X509_STORE_free(p); }
};
struct StoreCtxDeleter {
  void operator()(X509_STORE_CTX* p) const noexcept { X509_STORE_CTX_free(p); }
};

}  // namespace

StatusOr<SpiffeId> SpiffeIdFromCertificate(X509* leaf) {
  if (leaf == nullptr) return PermissionDenied("no certificate presented");
  // Computes the cached extension flags; a certificate with a malformed extension is invalid.
  if ((X509_get_extension_flags(leaf) & EXFLAG_INVALID) != 0) {
    return PermissionDenied("certificate has malformed extensions");
  }
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  int uri_count = 0;
  std::string uri;
  if (names) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
      if (name->type != GEN_URI) continue;
      ++uri_count;
      const ASN1_IA5STRING* value = name->d.uniformResourceIdentifier;
      uri.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                 static_cast<size_t>(ASN1_STRING_length(value)));
    }
  }
  if (uri_count == 0)
    return PermissionDenied("certificate has no URI SAN; an SVID has exactly one");
  if (uri_count > 1) {
    return PermissionDenied("certificate has " + std::to_string(uri_count) +
                            " URI SANs; an SVID has exactly one");
  }
  if (uri.find('\0') != std::string::npos) return PermissionDenied("URI SAN contains a NUL byte");
  StatusOr<SpiffeId> id = SpiffeId::Parse(uri);
  if (!id.ok()) {
    return PermissionDenied("URI SAN is not a valid SPIFFE ID: " + id.status().message());
  }
  if (id->path().empty()) {
    return PermissionDenied("SPIFFE ID " + internal::Quote(id->str()) +
                            " names a trust domain, not a workload");
  }
  const uint32_t flags = X509_get_extension_flags(leaf);
  if ((flags & EXFLAG_CA) != 0) return PermissionDenied("certificate is a CA; an SVID leaf is not");
  if ((flags & EXFLAG_KUSAGE) == 0) {
    return PermissionDenied(
        "certificate has no key usage extension; an SVID needs digitalSignature");
  }
  const uint32_t usage = X509_get_key_usage(leaf);
  if ((usage & KU_DIGITAL_SIGNATURE) == 0) {
    return PermissionDenied("certificate key usage lacks digitalSignature");
  }
  if ((usage & (KU_KEY_CERT_SIGN | KU_CRL_SIGN)) != 0) {
    return PermissionDenied(
        "certificate key usage has keyCertSign or cRLSign; an SVID leaf has neither");
  }
  return std::move(id).value();
}

StatusOr<SpiffeId> VerifySvidChain(std::span<const X509Ptr> chain, std::span<const X509Ptr> bundle,
                                   const VerifyOptions& options) {
  if (chain.empty()) return PermissionDenied("no certificate presented");
  if (bundle.empty()) return FailedPrecondition("the trust bundle is empty");
  std::unique_ptr<X509_STORE, StoreDeleter> store(X509_STORE_new());
  std::unique_ptr<X509_STORE_CTX, StoreCtxDeleter> ctx(X509_STORE_CTX_new());
  if (!store || !ctx) return Internal("cannot allocate an X509 store");
  for (const X509Ptr& anchor : bundle) {
    if (X509_STORE_add_cert(store.get(), anchor.get()) != 1) {
      return Internal("cannot add a trust anchor: " + TakeOpenSslErrors());
    }
  }
  X509StackPtr intermediates = ToStack(chain.subspan(1));
  if (!intermediates) return Internal("cannot allocate a certificate stack");
  if (X509_STORE_CTX_init(ctx.get(), store.get(), chain.front().get(), intermediates.get()) != 1) {
    return Internal("cannot initialize certificate verification: " + TakeOpenSslErrors());
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (options.ignore_time) {
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
  } else if (options.at.has_value()) {
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(*options.at));
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    TakeOpenSslErrors();
    return PermissionDenied(std::string("certificate verification failed: ") +
                            X509_verify_cert_error_string(error) + " (depth " +
                            std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")");
  }
  VSECM_ASSIGN_OR_RETURN(SpiffeId id, SpiffeIdFromCertificate(chain.front().get()));
  if (!options.trust_domain.empty() && !id.MemberOf(options.trust_domain)) {
    return PermissionDenied("SPIFFE ID " + internal::Quote(id.str()) +
                            " is not in the trust domain " + internal::Quote(options.trust_domain));
  }
  return id;
}

}  // namespace vsecm::identity
