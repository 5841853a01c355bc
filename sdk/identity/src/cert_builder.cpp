#include "vsecm/identity/cert_builder.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/rand.h>

#include <memory>
#include <string>

#include "quote.hpp"

namespace vsecm::identity {
namespace {

struct ExtensionDeleter {
  void operator()(X509_EXTENSION* p) const noexcept { X509_EXTENSION_free(p); }
};
struct GeneralNamesDeleter {
  void operator()(GENERAL_NAMES* p) const noexcept { GENERAL_NAMES_free(p); }
};

Status Failed(const std::string& what) {
  return Internal("cannot build the certificate: " + what + " (" + TakeOpenSslErrors() + ")");
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  std::unique_ptr<X509_EXTENSION, ExtensionDeleter> ext(
      X509V3_EXT_nconf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return Failed(OBJ_nid2sn(nid));
  return Status::Ok();
}

std::string KeyUsageText(uint32_t bits) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {KU_DIGITAL_SIGNATURE, "digitalSignature"},
      {KU_NON_REPUDIATION, "nonRepudiation"},
      {KU_KEY_ENCIPHERMENT, "keyEncipherment"},
      {KU_DATA_ENCIPHERMENT, "dataEncipherment"},
      {KU_KEY_AGREEMENT, "keyAgreement"},
      {KU_KEY_CERT_SIGN, "keyCertSign"},
      {KU_CRL_SIGN, "cRLSign"}};
  std::string text = "critical";
  for (const auto& [bit, name] : kNames) {
    if ((bits & bit) != 0) text += std::string(",") + name;
  }
  return text;
}

bool IsDnsName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '*';
    if (!ok) return false;
  }
  return true;
}

// Adds one IA5 name (URI or DNS) to `names`.
Status PushIa5(GENERAL_NAMES* names, int type, const std::string& value) {
  GENERAL_NAME* name = GENERAL_NAME_new();
  ASN1_IA5STRING* text = ASN1_IA5STRING_new();
  if (name == nullptr || text == nullptr ||
      ASN1_STRING_set(text, value.data(), static_cast<int>(value.size())) != 1) {
    GENERAL_NAME_free(name);
    ASN1_IA5STRING_free(text);
    return Failed("subjectAltName");
  }
  GENERAL_NAME_set0_value(name, type, text);
  if (sk_GENERAL_NAME_push(names, name) <= 0) {
    GENERAL_NAME_free(name);
    return Failed("subjectAltName");
  }
  return Status::Ok();
}

// Built from GENERAL_NAME values rather than a config string, so a name with a comma cannot
// inject a second SAN.
Status AddSubjectAltNames(X509* cert, const CertificateSpec& spec) {
  if (spec.uris.empty() && spec.dns_names.empty() && spec.ip_addresses.empty()) {
    return Status::Ok();
  }
  std::unique_ptr<GENERAL_NAMES, GeneralNamesDeleter> names(sk_GENERAL_NAME_new_null());
  if (!names) return Failed("subjectAltName");
  for (const std::string& uri : spec.uris) {
    VSECM_RETURN_IF_ERROR(PushIa5(names.get(), GEN_URI, uri));
  }
  for (const std::string& dns : spec.dns_names) {
    if (!IsDnsName(dns)) return InvalidArgument("not a DNS name: " + internal::Quote(dns));
    VSECM_RETURN_IF_ERROR(PushIa5(names.get(), GEN_DNS, dns));
  }
  for (const std::string& ip : spec.ip_addresses) {
    ASN1_OCTET_STRING* address = a2i_IPADDRESS(ip.c_str());
    if (address == nullptr) {
      TakeOpenSslErrors();
      return InvalidArgument("not an IP address: " + internal::Quote(ip));
    }
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) {
      ASN1_OCTET_STRING_free(address);
      return Failed("subjectAltName");
    }
    GENERAL_NAME_set0_value(name, GEN_IPADD, address);
    if (sk_GENERAL_NAME_push(names.get(), name) <= 0) {
      GENERAL_NAME_free(name);
      return Failed("subjectAltName");
    }
  }
  // A SAN is critical when the subject is empty; ours always has an organization.
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return Failed("subjectAltName");
  }
  return Status::Ok();
}

Status SetRandomSerial(X509* cert) {
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), &BN_free);
  // 127 random bits: positive, and at most 16 bytes as RFC 5280 asks.
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert)) == nullptr) {
    return Failed("serial number");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<EvpPkeyPtr> GenerateEcKey() {
  EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) return Internal("cannot generate an EC P-256 key: " + TakeOpenSslErrors());
  return key;
}

StatusOr<X509Ptr> BuildCertificate(const CertificateSpec& spec, EVP_PKEY* subject_key, X509* issuer,
                                   EVP_PKEY* issuer_key) {
  if ((issuer == nullptr) != (issuer_key == nullptr)) {
    return InvalidArgument("an issuer certificate needs its key and the other way round");
  }
  if (spec.not_after <= spec.not_before) {
    return InvalidArgument("the certificate's notAfter is not after its notBefore");
  }
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return Failed("version");
  VSECM_RETURN_IF_ERROR(SetRandomSerial(cert.get()));

  X509_NAME* subject = X509_get_subject_name(cert.get());
  auto add_entry = [&](const char* field, const std::string& value) {
    return value.empty() ||
           X509_NAME_add_entry_by_txt(subject, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                      0) == 1;
  };
  if (!add_entry("O", spec.organization) || !add_entry("CN", spec.common_name)) {
    return Failed("subject");
  }
  if (X509_set_issuer_name(cert.get(),
                           issuer != nullptr ? X509_get_subject_name(issuer) : subject) != 1) {
    return Failed("issuer");
  }
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), static_cast<time_t>(spec.not_before)) ==
          nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), static_cast<time_t>(spec.not_after)) ==
          nullptr) {
    return Failed("validity");
  }
  if (X509_set_pubkey(cert.get(), subject_key) != 1) return Failed("public key");

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  VSECM_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints,
                                     spec.is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE"));
  if (spec.key_usage != 0) {
    VSECM_RETURN_IF_ERROR(
        AddExtension(cert.get(), &ctx, NID_key_usage, KeyUsageText(spec.key_usage)));
  }
  if (spec.server_auth || spec.client_auth) {
    std::string eku;
    if (spec.server_auth) eku = "serverAuth";
    if (spec.client_auth) eku += eku.empty() ? "clientAuth" : ",clientAuth";
    VSECM_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, eku));
  }
  VSECM_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  VSECM_RETURN_IF_ERROR(
      AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  VSECM_RETURN_IF_ERROR(AddSubjectAltNames(cert.get(), spec));

  if (X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : subject_key, EVP_sha256()) <= 0) {
    return Failed("signature");
  }
  return cert;
}

}  // namespace vsecm::identity
