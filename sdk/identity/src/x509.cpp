#include "vsecm/identity/x509.hpp"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>
#include <string>

namespace vsecm::identity {
namespace {

struct BioDeleter {
  void operator()(BIO* p) const noexcept { BIO_free(p); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string WithErrors(std::string message) {
  const std::string errors = TakeOpenSslErrors();
  if (!errors.empty()) message += " (" + errors + ")";
  return message;
}

bool IsBase64Space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr std::string_view kPemKeyBegin = "-----BEGIN PRIVATE KEY-----\n";
constexpr std::string_view kPemKeyEnd = "-----END PRIVATE KEY-----\n";

}  // namespace

X509Ptr ShareCertificate(X509* cert) {
  if (cert != nullptr) X509_up_ref(cert);
  return X509Ptr(cert);
}

EvpPkeyPtr ShareKey(EVP_PKEY* key) {
  if (key != nullptr) EVP_PKEY_up_ref(key);
  return EvpPkeyPtr(key);
}

X509StackPtr ToStack(std::span<const X509Ptr> certs) {
  X509StackPtr stack(sk_X509_new_null());
  if (!stack) return stack;
  for (const X509Ptr& cert : certs) {
    X509Ptr shared = ShareCertificate(cert.get());
    if (sk_X509_push(stack.get(), shared.get()) <= 0) return X509StackPtr();
    shared.release();
  }
  return stack;
}

std::string TakeOpenSslErrors() {
  std::string out;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!out.empty()) out += "; ";
    out += buffer;
  }
  return out;
}

StatusOr<std::vector<X509Ptr>> ParsePemCertificates(std::string_view pem, std::string_view what) {
  ERR_clear_error();
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Internal("cannot allocate a memory BIO");
  std::vector<X509Ptr> certs;
  while (true) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) break;
    certs.push_back(std::move(cert));
  }
  // The loop ends on "no start line" at the end of the input; anything else is a broken block.
  const unsigned long last = ERR_peek_last_error();
  if (last != 0 &&
      !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    return InvalidArgument(WithErrors(std::string(what) + ": a certificate does not decode"));
  }
  ERR_clear_error();
  if (certs.empty()) return InvalidArgument(std::string(what) + ": no certificate found");
  return certs;
}

StatusOr<std::vector<X509Ptr>> ParseDerCertificates(std::span<const uint8_t> der,
                                                    std::string_view what) {
  std::vector<X509Ptr> certs;
  const uint8_t* p = der.data();
  const uint8_t* const end = der.data() + der.size();
  while (p < end) {
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(end - p)));
    if (!cert) {
      return InvalidArgument(WithErrors(std::string(what) + ": certificate " +
                                        std::to_string(certs.size() + 1) + " does not decode"));
    }
    certs.push_back(std::move(cert));
  }
  if (certs.empty()) return InvalidArgument(std::string(what) + ": no certificate found");
  return certs;
}

StatusOr<std::string> CertificatesToPem(std::span<const X509Ptr> certs) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return Internal("cannot allocate a memory BIO");
  for (const X509Ptr& cert : certs) {
    if (PEM_write_bio_X509(bio.get(), cert.get()) != 1) {
      return Internal(WithErrors("cannot encode a certificate as PEM"));
    }
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

StatusOr<kernel::SecretBytes> PrivateKeyPemToPkcs8(std::span<const uint8_t> pem,
                                                   std::string_view what) {
  const std::string_view text(reinterpret_cast<const char*>(pem.data()), pem.size());
  const size_t begin = text.find("-----BEGIN ");
  if (begin == std::string_view::npos) {
    return InvalidArgument(std::string(what) + ": no PEM private key block found");
  }
  const size_t label_start = begin + 11;
  const size_t label_end = text.find("-----", label_start);
  if (label_end == std::string_view::npos) {
    return InvalidArgument(std::string(what) + ": malformed PEM header");
  }
  const std::string_view label = text.substr(label_start, label_end - label_start);
  if (label == "ENCRYPTED PRIVATE KEY") {
    return InvalidArgument(std::string(what) + ": encrypted private keys are not supported");
  }
  if (label != "PRIVATE KEY" && label != "EC PRIVATE KEY" && label != "RSA PRIVATE KEY") {
    return InvalidArgument(std::string(what) + ": expected a PRIVATE KEY block, found " +
                           std::string(label.substr(0, 40)));
  }
  const size_t body_start = label_end + 5;
  const std::string footer = "-----END " + std::string(label) + "-----";
  const size_t body_end = text.find(footer, body_start);
  if (body_end == std::string_view::npos) {
    return InvalidArgument(std::string(what) + ": the PEM block has no END line");
  }
  const std::string_view body = text.substr(body_start, body_end - body_start);
  if (body.find(':') != std::string_view::npos) {
    return InvalidArgument(std::string(what) +
                           ": PEM headers (an encrypted key?) are not supported");
  }
  if (text.find("-----BEGIN ", body_end) != std::string_view::npos) {
    return InvalidArgument(std::string(what) + ": more than one PEM block");
  }

  // Base64 without whitespace, then decoded, both in secure memory.
  kernel::SecretBytes compact(body.size());
  size_t n = 0;
  for (char c : body) {
    if (!IsBase64Space(c)) compact.Mutable()[n++] = static_cast<uint8_t>(c);
  }
  if (n == 0 || n % 4 != 0) {
    return InvalidArgument(std::string(what) + ": the PEM body is not valid base64");
  }
  kernel::SecretBytes decoded(n / 4 * 3);
  const int written =
      EVP_DecodeBlock(decoded.Mutable().data(), compact.Expose().data(), static_cast<int>(n));
  if (written < 0) {
    return InvalidArgument(std::string(what) + ": the PEM body is not valid base64");
  }
  size_t padding = 0;
  if (compact.Expose()[n - 1] == '=') ++padding;
  if (compact.Expose()[n - 2] == '=') ++padding;
  const std::span<const uint8_t> der =
      decoded.Expose().first(static_cast<size_t>(written) - padding);

  VSECM_ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyDer(der, what));
  if (label == "PRIVATE KEY") return kernel::SecretBytes::CopyOf(der);
  return PrivateKeyToPkcs8(key.get());
}

StatusOr<EvpPkeyPtr> ParsePrivateKeyDer(std::span<const uint8_t> der, std::string_view what) {
  ERR_clear_error();
  const uint8_t* p = der.data();
  EvpPkeyPtr key(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size())));
  if (!key)
    return InvalidArgument(WithErrors(std::string(what) + ": the private key does not decode"));
  if (p != der.data() + der.size()) {
    return InvalidArgument(std::string(what) + ": trailing bytes after the private key");
  }
  return key;
}

StatusOr<kernel::SecretBytes> PrivateKeyToPkcs8(EVP_PKEY* key) {
  // The PKCS8_PRIV_KEY_INFO wipes its key octets when freed.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, decltype(&PKCS8_PRIV_KEY_INFO_free)> info(
      EVP_PKEY2PKCS8(key), &PKCS8_PRIV_KEY_INFO_free);
  if (!info) return Internal(WithErrors("cannot encode the private key as PKCS#8"));
  const int size = i2d_PKCS8_PRIV_KEY_INFO(info.get(), nullptr);
  if (size <= 0) return Internal(WithErrors("cannot encode the private key as PKCS#8"));
  kernel::SecretBytes der(static_cast<size_t>(size));
  uint8_t* out = der.Mutable().data();
  if (i2d_PKCS8_PRIV_KEY_INFO(info.get(), &out) != size) {
    return Internal(WithErrors("cannot encode the private key as PKCS#8"));
  }
  return der;
}

StatusOr<kernel::SecretBytes> Pkcs8ToPem(std::span<const uint8_t> pkcs8_der) {
  constexpr size_t kChunk = 48;  // 64 base64 characters per line, as PEM writers do
  size_t body = 0;
  for (size_t i = 0; i < pkcs8_der.size(); i += kChunk) {
    const size_t len = std::min(kChunk, pkcs8_der.size() - i);
    body += (len + 2) / 3 * 4 + 1;
  }
  kernel::SecretBytes pem(kPemKeyBegin.size() + body + kPemKeyEnd.size());
  uint8_t* out = pem.Mutable().data();
  out = std::copy(kPemKeyBegin.begin(), kPemKeyBegin.end(), out);
  unsigned char line[kChunk / 3 * 4 + 1];
  for (size_t i = 0; i < pkcs8_der.size(); i += kChunk) {
    const size_t len = std::min(kChunk, pkcs8_der.size() - i);
    const int n = EVP_EncodeBlock(line, pkcs8_der.data() + i, static_cast<int>(len));
    out = std::copy(line, line + n, out);
    *out++ = '\n';
  }
  OPENSSL_cleanse(line, sizeof(line));
  std::copy(kPemKeyEnd.begin(), kPemKeyEnd.end(), out);
  return pem;
}

std::string DescribeCertificate(X509* cert) {
  if (cert == nullptr) return "(no certificate)";
  std::string out;
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio && X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253) >= 0) {
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    out.assign(data, static_cast<size_t>(size));
  }
  if (out.empty()) out = "(empty subject)";
  std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr), &BN_free);
  if (serial) {
    char* hex = BN_bn2hex(serial.get());
    if (hex != nullptr) {
      out += ", serial ";
      out += hex;
      OPENSSL_free(hex);
    }
  }
  return out;
}

StatusOr<int64_t> NotAfter(const X509* cert) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert), &tm) != 1) {
    return InvalidArgument("certificate has an unreadable notAfter");
  }
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace vsecm::identity
