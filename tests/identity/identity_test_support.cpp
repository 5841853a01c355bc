#include "identity_test_support.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>
#include <filesystem>
#include <thread>

#include "vsecm/identity/tls.hpp"

namespace vsecm::identity::testing {

TempDir::TempDir() {
  char tmpl[] = "/tmp/vsecm-identity-test-XXXXXX";
  const char* made = ::mkdtemp(tmpl);
  EXPECT_NE(made, nullptr);
  path_ = made != nullptr ? made : "/nonexistent";
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

TestCa MakeCa(const std::string& common_name) {
  StatusOr<EvpPkeyPtr> key = GenerateEcKey();
  EXPECT_TRUE(key.ok());
  CertificateSpec spec;
  spec.common_name = common_name;
  spec.is_ca = true;
  spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  spec.server_auth = spec.client_auth = false;
  spec.not_before = Now() - 3600;
  spec.not_after = Now() + 24 * 3600;
  StatusOr<X509Ptr> cert = BuildCertificate(spec, key->get(), nullptr, nullptr);
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return TestCa{std::move(cert).value(), std::move(key).value()};
}

TestCa MakeIntermediate(const TestCa& parent) {
  StatusOr<EvpPkeyPtr> key = GenerateEcKey();
  EXPECT_TRUE(key.ok());
  CertificateSpec spec;
  spec.common_name = "test intermediate";
  spec.is_ca = true;
  spec.key_usage = KU_KEY_CERT_SIGN | KU_CRL_SIGN;
  spec.server_auth = spec.client_auth = false;
  spec.not_before = Now() - 3600;
  spec.not_after = Now() + 12 * 3600;
  StatusOr<X509Ptr> cert = BuildCertificate(spec, key->get(), parent.cert.get(), parent.key.get());
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  return TestCa{std::move(cert).value(), std::move(key).value()};
}

CertificateSpec SvidSpec(const std::string& spiffe_id) {
  CertificateSpec spec;
  spec.uris = {spiffe_id};
  spec.key_usage = KU_DIGITAL_SIGNATURE;
  spec.not_before = Now() - 60;
  spec.not_after = Now() + 3600;
  return spec;
}

Leaf MakeLeaf(const CertificateSpec& spec, const TestCa& issuer,
              const std::vector<const TestCa*>& intermediates) {
  StatusOr<EvpPkeyPtr> key = GenerateEcKey();
  EXPECT_TRUE(key.ok());
  // The leaf is signed by the last intermediate when there are any.
  const TestCa& signer = intermediates.empty() ? issuer : *intermediates.back();
  StatusOr<X509Ptr> cert = BuildCertificate(spec, key->get(), signer.cert.get(), signer.key.get());
  EXPECT_TRUE(cert.ok()) << cert.status().ToString();
  Leaf leaf;
  leaf.chain.push_back(std::move(cert).value());
  for (auto it = intermediates.rbegin(); it != intermediates.rend(); ++it) {
    leaf.chain.push_back(ShareCertificate((*it)->cert.get()));
  }
  StatusOr<kernel::SecretBytes> der = PrivateKeyToPkcs8(key->get());
  EXPECT_TRUE(der.ok());
  leaf.key_pkcs8 = std::move(der).value();
  return leaf;
}

std::vector<X509Ptr> Share(const std::vector<const X509*>& certs) {
  std::vector<X509Ptr> out;
  for (const X509* cert : certs) out.push_back(ShareCertificate(const_cast<X509*>(cert)));
  return out;
}

std::vector<X509Ptr> Bundle(const TestCa& ca) { return Share({ca.cert.get()}); }

IdentitySnapshot Snapshot(Leaf leaf, const TestCa& ca) {
  StatusOr<IdentitySnapshot> snapshot =
      IdentitySnapshot::Create(std::move(leaf.chain), std::move(leaf.key_pkcs8), Bundle(ca));
  EXPECT_TRUE(snapshot.ok()) << snapshot.status().ToString();
  return std::move(snapshot).value();
}

std::string SerialOf(X509* cert) {
  if (cert == nullptr) return "";
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr), &BN_free);
  char* hex = BN_bn2hex(bn.get());
  std::string out = hex != nullptr ? hex : "";
  OPENSSL_free(hex);
  return out;
}

bool WaitForError(const IdentitySource& source, const std::string& text,
                  std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (source.last_error().message().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

namespace {

void SetTimeouts(int fd) {
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// After a handshake: the peer's identity and serial, then one byte each way so that a refusal
// by the other side surfaces here as a failed read.
void Finish(SSL* ssl, bool send_first, SideResult* result) {
  StatusOr<SpiffeId> peer = PeerSpiffeId(ssl);
  result->peer_id = peer.ok() ? peer->str() : "error: " + peer.status().message();
  result->peer_serial = SerialOf(SSL_get0_peer_certificate(ssl));
  char byte = 'x';
  bool ok = true;
  if (send_first) ok = SSL_write(ssl, &byte, 1) == 1;
  if (ok) ok = SSL_read(ssl, &byte, 1) == 1;
  if (ok && !send_first) ok = SSL_write(ssl, &byte, 1) == 1;
  result->ok = ok;
  if (!ok) result->reason = HandshakeFailureReason(ssl);
  if (ok) SSL_shutdown(ssl);
}

}  // namespace

HandshakeResult Handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx,
                          const std::function<void(SSL*)>& client_setup) {
  ::signal(SIGPIPE, SIG_IGN);
  HandshakeResult result;
  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listener < 0 || ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listener, 1) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ADD_FAILURE() << "cannot listen on 127.0.0.1";
    if (listener >= 0) ::close(listener);
    return result;
  }

  std::thread server([&] {
    pollfd pfd{listener, POLLIN, 0};
    if (::poll(&pfd, 1, 10000) != 1) {
      result.server.reason = "no connection";
      return;
    }
    const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    SetTimeouts(fd);
    SslPtr ssl(SSL_new(server_ctx));
    SSL_set_fd(ssl.get(), fd);
    if (SSL_accept(ssl.get()) == 1) {
      Finish(ssl.get(), /*send_first=*/true, &result.server);
    } else {
      result.server.reason = HandshakeFailureReason(ssl.get());
    }
    ssl.reset();
    ::close(fd);
  });

  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  SetTimeouts(fd);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    SslPtr ssl(SSL_new(client_ctx));
    if (client_setup) client_setup(ssl.get());
    SSL_set_fd(ssl.get(), fd);
    if (SSL_connect(ssl.get()) == 1) {
      Finish(ssl.get(), /*send_first=*/false, &result.client);
    } else {
      result.client.reason = HandshakeFailureReason(ssl.get());
    }
  } else {
    result.client.reason = "connect failed";
  }
  ::close(fd);
  server.join();
  ::close(listener);
  return result;
}

}  // namespace vsecm::identity::testing
