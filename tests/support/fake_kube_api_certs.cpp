// Certificates for the fake API server, made with OpenSSL at start.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <memory>
#include <stdexcept>

#include "fake_kube_api_internal.hpp"

namespace vsecm::testing::fake_kube {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

void Check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("fake kube api certificates: ") + what);
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
  return std::string(data, static_cast<size_t>(n));
}

std::string CertPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_X509(bio.get(), cert) == 1, "write certificate");
  return BioText(bio.get());
}

std::string KeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  Check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
        "write key");
  return BioText(bio.get());
}

KeyPtr ReadKey(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  Check(key != nullptr, "read key");
  return key;
}

CertPtr ReadCert(const std::string& pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  CertPtr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  Check(cert != nullptr, "read certificate");
  return cert;
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  Check(ext != nullptr, "make extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate for `key` named `cn`, not yet signed.
CertPtr NewCert(EVP_PKEY* key, const std::string& cn) {
  static std::atomic<long> serial{1};  // NOLINT(runtime/int)
  CertPtr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return cert;
}

}  // namespace

KeyAndCert MakeCa(const std::string& name) {
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "generate CA key");
  CertPtr cert = NewCert(key.get(), name);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  AddExtension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  AddExtension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  AddExtension(cert.get(), cert.get(), NID_subject_key_identifier, "hash");
  Check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign CA");
  return {CertPem(cert.get()), KeyPem(key.get())};
}

KeyAndCert IssueLeaf(const KeyAndCert& ca, const std::string& common_name, bool server) {
  KeyPtr ca_key = ReadKey(ca.key_pem);
  CertPtr ca_cert = ReadCert(ca.cert_pem);
  KeyPtr key(EVP_EC_gen("P-256"));
  Check(key != nullptr, "generate key");
  CertPtr cert = NewCert(key.get(), common_name);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(ca_cert.get()));
  AddExtension(cert.get(), ca_cert.get(), NID_basic_constraints, "critical,CA:FALSE");
  AddExtension(cert.get(), ca_cert.get(), NID_key_usage, "critical,digitalSignature");
  AddExtension(cert.get(), ca_cert.get(), NID_authority_key_identifier, "keyid");
  if (server) {
    AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "serverAuth");
    AddExtension(cert.get(), ca_cert.get(), NID_subject_alt_name,
                 "IP:127.0.0.1,IP:::1,DNS:localhost");
  } else {
    AddExtension(cert.get(), ca_cert.get(), NID_ext_key_usage, "clientAuth");
  }
  Check(X509_sign(cert.get(), ca_key.get(), EVP_sha256()) > 0, "sign leaf");
  return {CertPem(cert.get()), KeyPem(key.get())};
}

}  // namespace vsecm::testing::fake_kube
