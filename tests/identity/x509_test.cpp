// Certificate and key codecs: PEM and DER both ways, keys only through secure memory.
#include "vsecm/identity/x509.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <string>

#include "identity_test_support.hpp"

namespace vsecm::identity {
namespace {

std::span<const uint8_t> Bytes(std::string_view s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

TEST(X509Test, PemCertificatesRoundTrip) {
  testing::TestCa a = testing::MakeCa("a");
  testing::TestCa b = testing::MakeCa("b");
  std::vector<X509Ptr> certs = testing::Share({a.cert.get(), b.cert.get()});
  StatusOr<std::string> pem = CertificatesToPem(certs);
  ASSERT_TRUE(pem.ok());
  StatusOr<std::vector<X509Ptr>> parsed = ParsePemCertificates(*pem, "test");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ(X509_cmp((*parsed)[0].get(), a.cert.get()), 0);
  EXPECT_EQ(X509_cmp((*parsed)[1].get(), b.cert.get()), 0);
}

TEST(X509Test, PemCertificateErrorsNameTheInput) {
  StatusOr<std::vector<X509Ptr>> none = ParsePemCertificates("nothing here", "svid.pem");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "svid.pem: no certificate found");
  const std::string broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  StatusOr<std::vector<X509Ptr>> bad = ParsePemCertificates(broken, "svid.pem");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("svid.pem: a certificate does not decode"),
            std::string::npos);
}

TEST(X509Test, DerCertificatesConcatenated) {
  testing::TestCa a = testing::MakeCa("a");
  testing::TestCa b = testing::MakeCa("b");
  std::string der;
  for (X509* cert : {a.cert.get(), b.cert.get()}) {
    unsigned char* out = nullptr;
    const int n = i2d_X509(cert, &out);
    der.append(reinterpret_cast<char*>(out), static_cast<size_t>(n));
    OPENSSL_free(out);
  }
  StatusOr<std::vector<X509Ptr>> parsed = ParseDerCertificates(Bytes(der), "bundle");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->size(), 2u);
  der.push_back('\x30');  // a truncated third certificate
  EXPECT_FALSE(ParseDerCertificates(Bytes(der), "bundle").ok());
  EXPECT_FALSE(ParseDerCertificates({}, "bundle").ok());
}

TEST(X509Test, PrivateKeyPemRoundTripsThroughPkcs8) {
  StatusOr<EvpPkeyPtr> key = GenerateEcKey();
  ASSERT_TRUE(key.ok());
  StatusOr<kernel::SecretBytes> der = PrivateKeyToPkcs8(key->get());
  ASSERT_TRUE(der.ok());
  StatusOr<kernel::SecretBytes> pem = Pkcs8ToPem(der->Expose());
  ASSERT_TRUE(pem.ok());
  const std::string_view text = pem->ExposeText();
  EXPECT_EQ(text.substr(0, 28), "-----BEGIN PRIVATE KEY-----\n");
  EXPECT_EQ(text.substr(text.size() - 26), "-----END PRIVATE KEY-----\n");
  // OpenSSL reads what we write.
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
  EvpPkeyPtr read_back(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(read_back);
  EXPECT_EQ(EVP_PKEY_eq(read_back.get(), key->get()), 1);
  // And we read it back to the same DER.
  StatusOr<kernel::SecretBytes> again = PrivateKeyPemToPkcs8(pem->Expose(), "key");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->Equals(der->Expose()));
}

TEST(X509Test, TraditionalEcKeyPemBecomesPkcs8) {
  StatusOr<EvpPkeyPtr> key = GenerateEcKey();
  ASSERT_TRUE(key.ok());
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(bio.get(), key->get(), nullptr, nullptr, 0,
                                                 nullptr, nullptr),
            1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  const std::string_view pem(data, static_cast<size_t>(size));
  ASSERT_NE(pem.find("BEGIN EC PRIVATE KEY"), std::string_view::npos);
  StatusOr<kernel::SecretBytes> der = PrivateKeyPemToPkcs8(Bytes(pem), "key");
  ASSERT_TRUE(der.ok()) << der.status().ToString();
  StatusOr<EvpPkeyPtr> parsed = ParsePrivateKeyDer(der->Expose(), "key");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(EVP_PKEY_eq(parsed->get(), key->get()), 1);
}

TEST(X509Test, RefusesEncryptedAndMalformedKeys) {
  const std::string encrypted =
      "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
  StatusOr<kernel::SecretBytes> a = PrivateKeyPemToPkcs8(Bytes(encrypted), "svid_key.pem");
  ASSERT_FALSE(a.ok());
  EXPECT_NE(a.status().message().find("encrypted"), std::string::npos);

  const std::string legacy_encrypted =
      "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\n"
      "AAAA\n-----END EC PRIVATE KEY-----\n";
  EXPECT_FALSE(PrivateKeyPemToPkcs8(Bytes(legacy_encrypted), "k").ok());

  const std::string certificate = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  EXPECT_FALSE(PrivateKeyPemToPkcs8(Bytes(certificate), "k").ok());
  const std::string garbage = "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n";
  EXPECT_FALSE(PrivateKeyPemToPkcs8(Bytes(garbage), "k").ok());
  const std::string no_end = "-----BEGIN PRIVATE KEY-----\nAAAA\n";
  EXPECT_FALSE(PrivateKeyPemToPkcs8(Bytes(no_end), "k").ok());
  EXPECT_FALSE(PrivateKeyPemToPkcs8(Bytes(""), "k").ok());
}

TEST(X509Test, KeyErrorsNeverEchoKeyMaterial) {
  // A valid-looking base64 body that is not a key: the message must not repeat it.
  const std::string body = "c2VjcmV0LWtleS1tYXRlcmlhbC1kby1ub3QtbG9n";
  const std::string pem = "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
  StatusOr<kernel::SecretBytes> result = PrivateKeyPemToPkcs8(Bytes(pem), "svid_key.pem");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().find(body), std::string::npos);
  EXPECT_EQ(result.status().message().find("secret-key-material"), std::string::npos);
}

TEST(X509Test, DescribesCertificates) {
  testing::TestCa ca = testing::MakeCa("described CA");
  const std::string text = DescribeCertificate(ca.cert.get());
  EXPECT_NE(text.find("CN=described CA"), std::string::npos) << text;
  EXPECT_NE(text.find("serial "), std::string::npos);
}

}  // namespace
}  // namespace vsecm::identity
