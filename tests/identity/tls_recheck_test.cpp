// RecheckPeer on a connection that stays open after its handshake (as the Safe's keep-alive
// connections do): the peer passes while nothing changed, and is refused once its certificate
// has expired or its CA has left the server's current trust bundle.
#include <openssl/bio.h>

#include <ctime>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "identity_test_support.hpp"
#include "vsecm/identity/tls.hpp"

namespace vsecm::identity {
namespace {

using testing::MakeLeaf;
using testing::ManualSource;
using testing::SvidSpec;

constexpr char kSafeId[] =
    "spiffe://vsecm.com/workload/vsecm-safe/ns/vsecm-system/sa/vsecm-safe/n/safe-0";
constexpr char kBillingId[] = "spiffe://vsecm.com/workload/billing/ns/finance/sa/billing/n/p-1";

// Both ends of one connection over an in-memory BIO pair, after a completed handshake.
struct Connection {
  SslPtr server, client;
};

bool WantsMore(SSL* ssl, int rc) {
  const int error = SSL_get_error(ssl, rc);
  return error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE;
}

// False when either side refused.
bool Connect(SSL_CTX* server_ctx, SSL_CTX* client_ctx, Connection* out) {
  out->server.reset(SSL_new(server_ctx));
  out->client.reset(SSL_new(client_ctx));
  BIO* server_bio = nullptr;
  BIO* client_bio = nullptr;
  if (!out->server || !out->client || BIO_new_bio_pair(&server_bio, 0, &client_bio, 0) != 1) {
    return false;
  }
  SSL_set_bio(out->server.get(), server_bio, server_bio);
  SSL_set_bio(out->client.get(), client_bio, client_bio);
  SSL_set_accept_state(out->server.get());
  SSL_set_connect_state(out->client.get());
  for (int round = 0; round < 20; ++round) {
    const int c = SSL_do_handshake(out->client.get());
    const int s = SSL_do_handshake(out->server.get());
    if (c == 1 && s == 1) return true;
    if ((c != 1 && !WantsMore(out->client.get(), c)) || (s != 1 && !WantsMore(out->server.get(), s))) {
      return false;
    }
  }
  return false;
}

std::string Rfc3339(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

class TlsRecheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_source_->Set(testing::Snapshot(MakeLeaf(SvidSpec(kSafeId), ca_), ca_));
    StatusOr<SslCtxPtr> server = NewServerContext(server_source_, PeerPolicy{});
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ctx_ = std::move(server).value();
  }

  SslCtxPtr Client(const CertificateSpec& spec) {
    auto source = std::make_shared<ManualSource>();
    source->Set(testing::Snapshot(MakeLeaf(spec, ca_), ca_));
    StatusOr<SslCtxPtr> ctx = NewClientContext(source, PeerPolicy{});
    EXPECT_TRUE(ctx.ok()) << ctx.status().ToString();
    return ctx.ok() ? std::move(ctx).value() : nullptr;
  }

  // The Safe's SVID from `ca`, with `bundle` as what it trusts from now on.
  void Rotate(const testing::TestCa& ca, std::vector<X509Ptr> bundle) {
    testing::Leaf leaf = MakeLeaf(SvidSpec(kSafeId), ca);
    StatusOr<IdentitySnapshot> next =
        IdentitySnapshot::Create(std::move(leaf.chain), std::move(leaf.key_pkcs8), std::move(bundle));
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    server_source_->Set(std::move(next).value());
  }

  testing::TestCa ca_ = testing::MakeCa();
  std::shared_ptr<ManualSource> server_source_ = std::make_shared<ManualSource>();
  SslCtxPtr server_ctx_;
};

TEST_F(TlsRecheckTest, APeerPassesWhileNothingChanged) {
  SslCtxPtr client = Client(SvidSpec(kBillingId));
  Connection c;
  ASSERT_TRUE(Connect(server_ctx_.get(), client.get(), &c));
  EXPECT_TRUE(RecheckPeer(c.server.get()).ok()) << RecheckPeer(c.server.get()).ToString();
  EXPECT_TRUE(RecheckPeer(c.server.get()).ok());  // and again, from the remembered generation
  // A rotation that still trusts the client's CA changes nothing for it.
  testing::TestCa next_ca = testing::MakeCa("next CA");
  Rotate(next_ca, testing::Share({next_ca.cert.get(), ca_.cert.get()}));
  EXPECT_TRUE(RecheckPeer(c.server.get()).ok()) << RecheckPeer(c.server.get()).ToString();
}

TEST_F(TlsRecheckTest, APeerWhoseCaLeftTheBundleIsRefused) {
  SslCtxPtr client = Client(SvidSpec(kBillingId));
  Connection c;
  ASSERT_TRUE(Connect(server_ctx_.get(), client.get(), &c));
  ASSERT_TRUE(RecheckPeer(c.server.get()).ok());
  testing::TestCa next_ca = testing::MakeCa("next CA");
  Rotate(next_ca, testing::Bundle(next_ca));
  Status s = RecheckPeer(c.server.get());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(s.message().find("the client certificate no longer verifies against the current "
                             "trust bundle: unable to get local issuer certificate"),
            std::string::npos)
      << s.ToString();
}

TEST_F(TlsRecheckTest, AnExpiredPeerCertificateIsRefusedWithItsDate) {
  CertificateSpec spec = SvidSpec(kBillingId);
  spec.not_after = testing::Now() + 2;
  SslCtxPtr client = Client(spec);
  Connection c;
  ASSERT_TRUE(Connect(server_ctx_.get(), client.get(), &c));
  ASSERT_TRUE(RecheckPeer(c.server.get()).ok());
  while (testing::Now() <= spec.not_after) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  Status s = RecheckPeer(c.server.get());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "the client certificate expired at " + Rfc3339(spec.not_after));
}

TEST_F(TlsRecheckTest, AConnectionWithoutAConfiguredContextIsNotRechecked) {
  EXPECT_EQ(RecheckPeer(nullptr).code(), StatusCode::kInvalidArgument);
  SslCtxPtr plain(SSL_CTX_new(TLS_server_method()));
  SslPtr ssl(SSL_new(plain.get()));
  EXPECT_EQ(RecheckPeer(ssl.get()).code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace vsecm::identity
