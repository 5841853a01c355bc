// X.509-SVID leaf rules and chain verification: the refusals an attacker or a misconfigured CA
// would run into, each with its reason.
#include "vsecm/identity/svid.hpp"

#include <gtest/gtest.h>

#include <string>

#include "identity_test_support.hpp"

namespace vsecm::identity {
namespace {

using testing::Leaf;
using testing::MakeCa;
using testing::MakeLeaf;
using testing::SvidSpec;

constexpr char kWorkload[] = "spiffe://vsecm.com/workload/billing/ns/default/sa/billing/n/pod-1";

class SvidTest : public ::testing::Test {
 protected:
  testing::TestCa ca_ = MakeCa();

  // The leaf check's verdict for a leaf made from `spec`.
  StatusOr<SpiffeId> Check(const CertificateSpec& spec) {
    Leaf leaf = MakeLeaf(spec, ca_);
    return SpiffeIdFromCertificate(leaf.chain.front().get());
  }

  void ExpectRefused(const CertificateSpec& spec, const std::string& why) {
    StatusOr<SpiffeId> id = Check(spec);
    ASSERT_FALSE(id.ok()) << "accepted a leaf that should be refused (" << why << ")";
    EXPECT_EQ(id.status().code(), StatusCode::kPermissionDenied);
    EXPECT_NE(id.status().message().find(why), std::string::npos) << id.status().message();
  }
};

TEST_F(SvidTest, AcceptsAnSvid) {
  StatusOr<SpiffeId> id = Check(SvidSpec(kWorkload));
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->str(), kWorkload);
}

TEST_F(SvidTest, DnsAndIpSansBesideTheUriAreFine) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.dns_names = {"localhost"};
  spec.ip_addresses = {"127.0.0.1", "::1"};
  EXPECT_TRUE(Check(spec).ok());
}

TEST_F(SvidTest, RefusesTwoUriSans) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.uris.push_back(
      "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/"
      "vsecm-sentinel/n/x");
  ExpectRefused(spec, "2 URI SANs");
}

TEST_F(SvidTest, RefusesNoUriSan) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.uris.clear();
  spec.dns_names = {"billing.default.svc"};
  ExpectRefused(spec, "no URI SAN");
}

TEST_F(SvidTest, RefusesANonSpiffeUri) {
  ExpectRefused(SvidSpec("https://vsecm.com/workload/billing"), "not a valid SPIFFE ID");
}

TEST_F(SvidTest, RefusesAMalformedSpiffeUri) {
  ExpectRefused(SvidSpec("spiffe://vsecm.com/workload/../safe"), "not a valid SPIFFE ID");
}

TEST_F(SvidTest, RefusesATrustDomainIdAsLeaf) {
  ExpectRefused(SvidSpec("spiffe://vsecm.com"), "names a trust domain");
}

TEST_F(SvidTest, RefusesACaLeaf) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.is_ca = true;
  ExpectRefused(spec, "is a CA");
}

TEST_F(SvidTest, RefusesALeafWithoutDigitalSignature) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.key_usage = KU_KEY_AGREEMENT;
  ExpectRefused(spec, "lacks digitalSignature");
}

TEST_F(SvidTest, RefusesALeafWithoutKeyUsage) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.key_usage = 0;
  ExpectRefused(spec, "no key usage");
}

TEST_F(SvidTest, RefusesALeafThatCanSignCertificates) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.key_usage = KU_DIGITAL_SIGNATURE | KU_KEY_CERT_SIGN;
  ExpectRefused(spec, "keyCertSign");
}

TEST_F(SvidTest, VerifiesAChainAgainstItsBundle) {
  Leaf leaf = MakeLeaf(SvidSpec(kWorkload), ca_);
  StatusOr<SpiffeId> id = VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->str(), kWorkload);
}

TEST_F(SvidTest, VerifiesThroughAnIntermediate) {
  testing::TestCa intermediate = testing::MakeIntermediate(ca_);
  Leaf leaf = MakeLeaf(SvidSpec(kWorkload), ca_, {&intermediate});
  ASSERT_EQ(leaf.chain.size(), 2u);
  EXPECT_TRUE(VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{}).ok());
  // Without the intermediate the chain is incomplete.
  std::vector<X509Ptr> leaf_only;
  leaf_only.push_back(ShareCertificate(leaf.chain.front().get()));
  StatusOr<SpiffeId> id = VerifySvidChain(leaf_only, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("unable to get local issuer"), std::string::npos)
      << id.status().message();
}

TEST_F(SvidTest, RefusesAnotherTrustDomain) {
  Leaf leaf = MakeLeaf(SvidSpec("spiffe://evil.example/workload/x/ns/y/sa/z/n/p"), ca_);
  StatusOr<SpiffeId> id = VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(id.status().message().find("not in the trust domain \"vsecm.com\""), std::string::npos)
      << id.status().message();
  VerifyOptions any;
  any.trust_domain.clear();
  EXPECT_TRUE(VerifySvidChain(leaf.chain, testing::Bundle(ca_), any).ok());
}

TEST_F(SvidTest, RefusesAnExpiredSvid) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.not_before = testing::Now() - 3000;  // the test CA is valid from an hour ago
  spec.not_after = testing::Now() - 60;
  Leaf leaf = MakeLeaf(spec, ca_);
  StatusOr<SpiffeId> id = VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(id.status().message().find("certificate has expired"), std::string::npos)
      << id.status().message();
  // At a time inside its validity it verifies.
  VerifyOptions then;
  then.at = testing::Now() - 1800;
  EXPECT_TRUE(VerifySvidChain(leaf.chain, testing::Bundle(ca_), then).ok());
}

TEST_F(SvidTest, RefusesAnSvidOfAnotherCa) {
  testing::TestCa other = MakeCa("other CA");
  Leaf leaf = MakeLeaf(SvidSpec(kWorkload), other);
  StatusOr<SpiffeId> id = VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("certificate verification failed"), std::string::npos);
}

TEST_F(SvidTest, RefusesAChainWhoseLeafBreaksTheRules) {
  CertificateSpec spec = SvidSpec(kWorkload);
  spec.uris.push_back("spiffe://vsecm.com/other");
  Leaf leaf = MakeLeaf(spec, ca_);
  StatusOr<SpiffeId> id = VerifySvidChain(leaf.chain, testing::Bundle(ca_), VerifyOptions{});
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("URI SANs"), std::string::npos);
}

TEST_F(SvidTest, SnapshotRefusesAKeyOfAnotherCertificate) {
  Leaf first = MakeLeaf(SvidSpec(kWorkload), ca_);
  Leaf second = MakeLeaf(SvidSpec(kWorkload), ca_);
  StatusOr<IdentitySnapshot> snapshot = IdentitySnapshot::Create(
      std::move(first.chain), std::move(second.key_pkcs8), testing::Bundle(ca_));
  ASSERT_FALSE(snapshot.ok());
  EXPECT_NE(snapshot.status().message().find("does not match"), std::string::npos);
}

TEST_F(SvidTest, SnapshotRefusesABundleThatDoesNotSignTheSvid) {
  testing::TestCa other = MakeCa("other CA");
  Leaf leaf = MakeLeaf(SvidSpec(kWorkload), ca_);
  StatusOr<IdentitySnapshot> snapshot = IdentitySnapshot::Create(
      std::move(leaf.chain), std::move(leaf.key_pkcs8), testing::Bundle(other));
  ASSERT_FALSE(snapshot.ok());
  EXPECT_NE(snapshot.status().message().find("does not chain"), std::string::npos);
}

TEST_F(SvidTest, SnapshotKeepsTheSvidParts) {
  Leaf leaf = MakeLeaf(SvidSpec(kWorkload), ca_);
  X509* leaf_cert = leaf.chain.front().get();
  IdentitySnapshot snapshot = testing::Snapshot(std::move(leaf), ca_);
  EXPECT_EQ(snapshot.id().str(), kWorkload);
  EXPECT_EQ(snapshot.leaf(), leaf_cert);
  EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(leaf_cert), snapshot.key()), 1);
  EXPECT_EQ(snapshot.bundle().size(), 1u);
  EXPECT_EQ(sk_X509_num(snapshot.intermediates_stack()), 0);
  EXPECT_EQ(sk_X509_num(snapshot.bundle_stack()), 1);
  EXPECT_GT(snapshot.not_after(), testing::Now());
  EXPECT_EQ(snapshot.generation(), 0u);  // not yet published
}

}  // namespace
}  // namespace vsecm::identity
