// Mutual TLS on 127.0.0.1 between contexts configured by tls.hpp: who gets in, who does not,
// and the reason the server can audit.
#include "vsecm/identity/tls.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

#include "identity_test_support.hpp"
#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/identity/roles.hpp"

namespace vsecm::identity {
namespace {

using testing::Handshake;
using testing::HandshakeResult;
using testing::MakeLeaf;
using testing::ManualSource;
using testing::SvidSpec;

constexpr char kSafeId[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-0";
constexpr char kSentinelId[] =
    "spiffe://vsecm.com/workload/vsecm-sentinel/ns/vsecm-system/sa/vsecm-sentinel/n/s-0";
constexpr char kBillingId[] = "spiffe://vsecm.com/workload/billing/ns/finance/sa/billing/n/p-1";

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_source_ = Source(SvidSpec(kSafeId));
    StatusOr<SslCtxPtr> server = NewServerContext(server_source_, PeerPolicy{});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ctx_ = std::move(server).value();
  }

  // A source holding an SVID of `spec` signed by the test CA.
  std::shared_ptr<ManualSource> Source(const CertificateSpec& spec) {
    auto source = std::make_shared<ManualSource>();
    source->Set(testing::Snapshot(MakeLeaf(spec, ca_), ca_));
    return source;
  }

  SslCtxPtr Client(const CertificateSpec& spec, PeerPolicy policy = {}) {
    StatusOr<SslCtxPtr> ctx = NewClientContext(Source(spec), std::move(policy));
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }

  void ExpectServerRefuses(const HandshakeResult& r, const std::string& why) {
    EXPECT_FALSE(r.server.ok);
    EXPECT_NE(r.server.reason.find(why), std::string::npos) << r.server.reason;
    EXPECT_FALSE(r.client.ok);  // the client sees the alert
  }

  testing::TestCa ca_ = testing::MakeCa();
  std::shared_ptr<ManualSource> server_source_;
  SslCtxPtr server_ctx_;
};

TEST_F(TlsTest, MutualTlsWithGoodSvids) {
  SslCtxPtr client = Client(SvidSpec(kSentinelId));
  HandshakeResult r = Handshake(server_ctx_.get(), client.get());
  ASSERT_TRUE(r.server.ok) << r.server.reason;
  ASSERT_TRUE(r.client.ok) << r.client.reason;
  EXPECT_EQ(r.server.peer_id, kSentinelId);
  EXPECT_EQ(r.client.peer_id, kSafeId);
}

TEST_F(TlsTest, OnlyTls13IsSpoken) {
  EXPECT_EQ(SSL_CTX_get_min_proto_version(server_ctx_.get()), TLS1_3_VERSION);
  SslCtxPtr old_client(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_max_proto_version(old_client.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(old_client.get(), SSL_VERIFY_NONE, nullptr);
  HandshakeResult r = Handshake(server_ctx_.get(), old_client.get());
  EXPECT_FALSE(r.server.ok);
  EXPECT_FALSE(r.client.ok);
  EXPECT_NE(r.server.reason.find("unsupported protocol"), std::string::npos) << r.server.reason;
}

TEST_F(TlsTest, RefusesAClientWithoutCertificate) {
  SslCtxPtr anonymous(SSL_CTX_new(TLS_client_method()));
  SSL_CTX_set_verify(anonymous.get(), SSL_VERIFY_NONE, nullptr);
  ExpectServerRefuses(Handshake(server_ctx_.get(), anonymous.get()),
                      "the peer presented no certificate");
}

TEST_F(TlsTest, RefusesAnotherTrustDomain) {
  SslCtxPtr client =
      Client(SvidSpec("spiffe://evil.example/workload/vsecm-sentinel/ns/"
                      "vsecm-system/sa/vsecm-sentinel/n/s-0"));
  ExpectServerRefuses(Handshake(server_ctx_.get(), client.get()),
                      "is not in the trust domain \"vsecm.com\"");
}

TEST_F(TlsTest, RefusesAnExpiredClientCertificate) {
  CertificateSpec expired = SvidSpec(kSentinelId);
  expired.not_before = testing::Now() - 7200;
  expired.not_after = testing::Now() - 3600;
  SslCtxPtr client = Client(expired);
  ExpectServerRefuses(Handshake(server_ctx_.get(), client.get()), "certificate has expired");
}

TEST_F(TlsTest, RefusesAClientWithTwoUriSans) {
  CertificateSpec spec = SvidSpec(kBillingId);
  spec.uris.push_back(kSentinelId);
  // The client's own source would refuse such an SVID, so present it with plain OpenSSL.
  testing::Leaf leaf = MakeLeaf(spec, ca_);
  StatusOr<EvpPkeyPtr> key = ParsePrivateKeyDer(leaf.key_pkcs8.Expose(), "key");
  ASSERT_TRUE(key.ok());
  SslCtxPtr client(SSL_CTX_new(TLS_client_method()));
  ASSERT_EQ(SSL_CTX_use_certificate(client.get(), leaf.chain.front().get()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey(client.get(), key->get()), 1);
  SSL_CTX_set_verify(client.get(), SSL_VERIFY_NONE, nullptr);
  ExpectServerRefuses(Handshake(server_ctx_.get(), client.get()), "2 URI SANs");
}

TEST_F(TlsTest, RefusesACertificateFromAnotherCa) {
  testing::TestCa rogue = testing::MakeCa("rogue CA");
  // The client trusts the real CA too, so it accepts the server and presents its rogue SVID.
  testing::Leaf leaf = MakeLeaf(SvidSpec(kSentinelId), rogue);
  StatusOr<IdentitySnapshot> snapshot =
      IdentitySnapshot::Create(std::move(leaf.chain), std::move(leaf.key_pkcs8),
                               testing::Share({rogue.cert.get(), ca_.cert.get()}));
  ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  auto source = std::make_shared<ManualSource>();
  source->Set(std::move(snapshot).value());
  StatusOr<SslCtxPtr> client = NewClientContext(source, PeerPolicy{});
  ASSERT_TRUE(client.ok());
  ExpectServerRefuses(Handshake(server_ctx_.get(), client->get()),
                      "certificate verification failed: unable to get local issuer certificate");
}

TEST_F(TlsTest, ClientRefusesAServerFromAnotherCa) {
  testing::TestCa rogue = testing::MakeCa("rogue CA");
  auto rogue_source = std::make_shared<ManualSource>();
  rogue_source->Set(testing::Snapshot(MakeLeaf(SvidSpec(kSafeId), rogue), rogue));
  StatusOr<SslCtxPtr> rogue_server = NewServerContext(rogue_source, PeerPolicy{});
  ASSERT_TRUE(rogue_server.ok());
  SslCtxPtr client = Client(SvidSpec(kSentinelId));
  HandshakeResult r = Handshake(rogue_server->get(), client.get());
  EXPECT_FALSE(r.client.ok);
  EXPECT_NE(r.client.reason.find("certificate verification failed"), std::string::npos)
      << r.client.reason;
  EXPECT_FALSE(r.server.ok);  // the client never sent its certificate
}

TEST_F(TlsTest, ClientChecksItReachedTheSafe) {
  StatusOr<RoleMatcher> roles = RoleMatcher::Defaults();
  ASSERT_TRUE(roles.ok());
  PeerPolicy expect_safe;
  expect_safe.authorize = ExpectSafe(*roles);
  SslCtxPtr client = Client(SvidSpec(kSentinelId), expect_safe);
  HandshakeResult good = Handshake(server_ctx_.get(), client.get());
  EXPECT_TRUE(good.client.ok) << good.client.reason;
  EXPECT_EQ(good.client.peer_id, kSafeId);

  // A server with a workload's SVID is not the Safe.
  auto impostor_source = Source(SvidSpec(kBillingId));
  StatusOr<SslCtxPtr> impostor = NewServerContext(impostor_source, PeerPolicy{});
  ASSERT_TRUE(impostor.ok());
  HandshakeResult bad = Handshake(impostor->get(), client.get());
  EXPECT_FALSE(bad.client.ok);
  EXPECT_NE(bad.client.reason.find("is not the Safe"), std::string::npos) << bad.client.reason;
  EXPECT_FALSE(bad.server.ok);
}

TEST_F(TlsTest, ExpectedIdAndPatternAuthorizers) {
  PeerPolicy exact;
  exact.authorize = ExpectSpiffeId(*SpiffeId::Parse(kSafeId));
  SslCtxPtr client = Client(SvidSpec(kSentinelId), exact);
  EXPECT_TRUE(Handshake(server_ctx_.get(), client.get()).client.ok);

  StatusOr<std::function<Status(const SpiffeId&)>> pattern =
      ExpectSpiffeIdPattern("spiffe://vsecm\\.com/workload/billing/.*");
  ASSERT_TRUE(pattern.ok());
  PeerPolicy by_pattern;
  by_pattern.authorize = *pattern;
  SslCtxPtr picky = Client(SvidSpec(kSentinelId), by_pattern);
  HandshakeResult r = Handshake(server_ctx_.get(), picky.get());
  EXPECT_FALSE(r.client.ok);
  EXPECT_NE(r.client.reason.find("does not match"), std::string::npos) << r.client.reason;
  EXPECT_FALSE(ExpectSpiffeIdPattern("(").ok());
}

TEST_F(TlsTest, ServerAuthorizerRefusesDuringTheHandshake) {
  auto source = Source(SvidSpec(kSafeId));
  PeerPolicy sentinel_only;
  sentinel_only.authorize = [](const SpiffeId& id) -> Status {
    if (id.str() == kSentinelId) return Status::Ok();
    return PermissionDenied("only Sentinel may connect");
  };
  StatusOr<SslCtxPtr> server = NewServerContext(source, sentinel_only);
  ASSERT_TRUE(server.ok());
  SslCtxPtr workload = Client(SvidSpec(kBillingId));
  ExpectServerRefuses(Handshake(server->get(), workload.get()), "only Sentinel may connect");
  SslCtxPtr sentinel = Client(SvidSpec(kSentinelId));
  EXPECT_TRUE(Handshake(server->get(), sentinel.get()).server.ok);
}

TEST_F(TlsTest, RotationReachesNewConnections) {
  SslCtxPtr client = Client(SvidSpec(kSentinelId));
  HandshakeResult before = Handshake(server_ctx_.get(), client.get());
  ASSERT_TRUE(before.client.ok);
  // A new SVID from a new CA, with a bundle trusting both (as during a CA rotation).
  testing::TestCa next_ca = testing::MakeCa("next CA");
  testing::Leaf leaf = MakeLeaf(SvidSpec(kSafeId), next_ca);
  const std::string next_serial = testing::SerialOf(leaf.chain.front().get());
  StatusOr<IdentitySnapshot> next =
      IdentitySnapshot::Create(std::move(leaf.chain), std::move(leaf.key_pkcs8),
                               testing::Share({next_ca.cert.get(), ca_.cert.get()}));
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  server_source_->Set(std::move(next).value());
  // The client still trusts only the old CA: the server's new certificate is refused, which
  // proves the server presents it.
  HandshakeResult after = Handshake(server_ctx_.get(), client.get());
  EXPECT_FALSE(after.client.ok);
  EXPECT_NE(after.client.reason.find("certificate verification failed"), std::string::npos)
      << after.client.reason;
  // A client trusting the new CA sees the new serial; the server still accepts old-CA clients.
  auto both = std::make_shared<ManualSource>();
  {
    testing::Leaf client_leaf = MakeLeaf(SvidSpec(kSentinelId), ca_);
    StatusOr<IdentitySnapshot> s =
        IdentitySnapshot::Create(std::move(client_leaf.chain), std::move(client_leaf.key_pkcs8),
                                 testing::Share({ca_.cert.get(), next_ca.cert.get()}));
    ASSERT_TRUE(s.ok());
    both->Set(std::move(s).value());
  }
  StatusOr<SslCtxPtr> updated = NewClientContext(both, PeerPolicy{});
  ASSERT_TRUE(updated.ok());
  HandshakeResult fresh = Handshake(server_ctx_.get(), updated->get());
  ASSERT_TRUE(fresh.client.ok) << fresh.client.reason;
  ASSERT_TRUE(fresh.server.ok) << fresh.server.reason;
  EXPECT_EQ(fresh.client.peer_serial, next_serial);
}

TEST_F(TlsTest, PlainClientsVerifyTheDevSafeByHostnameAndIp) {
  testing::TempDir dir;
  StatusOr<DevCa> ca = DevCa::OpenOrCreate(dir / "ca");
  ASSERT_TRUE(ca.ok()) << ca.status().ToString();
  StatusOr<IdentitySnapshot> safe =
      ca->Issue(SvidRequest{kSafeId, {"localhost"}, {"127.0.0.1"}, std::chrono::hours(1), {}});
  ASSERT_TRUE(safe.ok()) << safe.status().ToString();
  auto source = std::make_shared<ManualSource>();
  source->Set(std::move(safe).value());
  StatusOr<SslCtxPtr> server = NewServerContext(source, PeerPolicy{});
  ASSERT_TRUE(server.ok());

  // An ordinary client (as curl would be): the CA file and hostname checks, its own SVID.
  StatusOr<IdentitySnapshot> sentinel =
      ca->Issue(SvidRequest{kSentinelId, {}, {}, std::chrono::hours(1), {}});
  ASSERT_TRUE(sentinel.ok());
  auto plain_client = [&](const std::function<void(SSL*)>& setup) {
    SslCtxPtr client(SSL_CTX_new(TLS_client_method()));
    X509_STORE_add_cert(SSL_CTX_get_cert_store(client.get()), ca->certificate());
    SSL_CTX_set_verify(client.get(), SSL_VERIFY_PEER, nullptr);
    SSL_CTX_use_certificate(client.get(), sentinel->leaf());
    SSL_CTX_use_PrivateKey(client.get(), sentinel->key());
    return Handshake(server->get(), client.get(), setup);
  };
  HandshakeResult by_name = plain_client([](SSL* ssl) { SSL_set1_host(ssl, "localhost"); });
  EXPECT_TRUE(by_name.client.ok) << by_name.client.reason;
  EXPECT_EQ(by_name.server.peer_id, kSentinelId);
  HandshakeResult by_ip = plain_client(
      [](SSL* ssl) { X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), "127.0.0.1"); });
  EXPECT_TRUE(by_ip.client.ok) << by_ip.client.reason;
  HandshakeResult wrong = plain_client([](SSL* ssl) { SSL_set1_host(ssl, "example.com"); });
  EXPECT_FALSE(wrong.client.ok);
  EXPECT_NE(wrong.client.reason.find("certificate verify failed"), std::string::npos)
      << wrong.client.reason;
}

TEST_F(TlsTest, HostnameVerificationStacksOnSpiffeChecks) {
  CertificateSpec spec = SvidSpec(kSafeId);
  spec.dns_names = {"localhost"};
  auto source = Source(spec);
  StatusOr<SslCtxPtr> server = NewServerContext(source, PeerPolicy{});
  ASSERT_TRUE(server.ok());
  SslCtxPtr client = Client(SvidSpec(kSentinelId));
  EXPECT_TRUE(Handshake(server->get(), client.get(), [](SSL* ssl) {
                SSL_set1_host(ssl, "localhost");
              }).client.ok);
  HandshakeResult wrong = Handshake(server->get(), client.get(), [](SSL* ssl) {
    SSL_set1_host(ssl, "vsecm-safe.vsecm-system.svc");
  });
  EXPECT_FALSE(wrong.client.ok);
  EXPECT_NE(wrong.client.reason.find("hostname mismatch"), std::string::npos)
      << wrong.client.reason;
}

TEST_F(TlsTest, ConfigurationErrors) {
  auto empty = std::make_shared<ManualSource>();
  StatusOr<SslCtxPtr> no_svid = NewServerContext(empty, PeerPolicy{});
  ASSERT_FALSE(no_svid.ok());
  EXPECT_EQ(no_svid.status().code(), StatusCode::kUnavailable);
  PeerPolicy bad_domain;
  bad_domain.trust_domain = "Not A Domain";
  EXPECT_FALSE(NewServerContext(server_source_, bad_domain).ok());
  // A context is bound once.
  Status again = ConfigureServerContext(server_ctx_.get(), server_source_, PeerPolicy{});
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  // An unconfigured connection has no SPIFFE peer.
  SslCtxPtr plain(SSL_CTX_new(TLS_client_method()));
  SslPtr ssl(SSL_new(plain.get()));
  EXPECT_EQ(PeerSpiffeId(ssl.get()).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(TlsTest, SourceLifetimeFollowsTheContext) {
  std::weak_ptr<ManualSource> watch;
  {
    auto source = Source(SvidSpec(kSafeId));
    watch = source;
    StatusOr<SslCtxPtr> ctx = NewServerContext(source, PeerPolicy{});
    ASSERT_TRUE(ctx.ok());
    source.reset();
    EXPECT_FALSE(watch.expired());  // the context holds it
  }
  EXPECT_TRUE(watch.expired());
}

}  // namespace
}  // namespace vsecm::identity
