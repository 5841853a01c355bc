// Helpers for the identity tests: temporary directories, a CA and leaves with any shape (the
// certificate builder), an identity source the test drives by hand, and a loopback TLS
// handshake between two SSL_CTXs with each side's outcome.
#ifndef VSECM_TESTS_IDENTITY_IDENTITY_TEST_SUPPORT_HPP_
#define VSECM_TESTS_IDENTITY_IDENTITY_TEST_SUPPORT_HPP_

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "vsecm/identity/cert_builder.hpp"
#include "vsecm/identity/identity_source.hpp"
#include "vsecm/identity/x509.hpp"

#define ASSERT_OK(expr)                                                        \
  do {                                                                         \
    const ::vsecm::Status vsecm_assert_status_ = (expr);                       \
    ASSERT_TRUE(vsecm_assert_status_.ok()) << vsecm_assert_status_.ToString(); \
  } while (0)

namespace vsecm::identity::testing {

// A fresh 0700 directory under /tmp, removed with everything in it at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

int64_t Now();

// A CA made with the certificate builder (independent of DevCa).
struct TestCa {
  X509Ptr cert;
  EvpPkeyPtr key;
};
TestCa MakeCa(const std::string& common_name = "test CA");
// An intermediate CA signed by `parent`.
TestCa MakeIntermediate(const TestCa& parent);

// A leaf spec that is a valid SVID for `spiffe_id`, valid for an hour.
CertificateSpec SvidSpec(const std::string& spiffe_id);

// Signs `spec` with `issuer` for a fresh key and returns a snapshot-ready chain and key. The
// chain is the leaf followed by `extra_chain` (intermediates).
struct Leaf {
  std::vector<X509Ptr> chain;
  kernel::SecretBytes key_pkcs8;
};
Leaf MakeLeaf(const CertificateSpec& spec, const TestCa& issuer,
              const std::vector<const TestCa*>& intermediates = {});

// Copies of certificates (new references).
std::vector<X509Ptr> Share(const std::vector<const X509*>& certs);
std::vector<X509Ptr> Bundle(const TestCa& ca);

// A snapshot of `leaf` with `ca` as bundle; fails the test on error.
IdentitySnapshot Snapshot(Leaf leaf, const TestCa& ca);

// An identity source the test sets by hand.
class ManualSource final : public IdentitySource {
 public:
  void Set(IdentitySnapshot snapshot) { Publish(std::move(snapshot)); }
  std::string Describe() const override { return "test source"; }
};

// One side's view of a loopback handshake.
struct SideResult {
  bool ok = false;
  std::string peer_id;      // PeerSpiffeId when ok and the context is configured
  std::string reason;       // HandshakeFailureReason when not ok
  std::string peer_serial;  // the serial of the certificate the peer presented, hex
};
struct HandshakeResult {
  SideResult server;
  SideResult client;
};

// Runs one TLS handshake over 127.0.0.1 between contexts. `client_setup` may adjust the client
// SSL (SNI, SSL_set1_host). Both sides then exchange one byte so that each learns the other's
// verdict (TLS 1.3 clients finish before the server has checked their certificate).
HandshakeResult Handshake(SSL_CTX* server_ctx, SSL_CTX* client_ctx,
                          const std::function<void(SSL*)>& client_setup = {});

std::string SerialOf(X509* cert);

// Waits up to `timeout` until the source's last error mentions `text` (errors are recorded by
// the source's own thread, so a check right after a trigger may run before it).
bool WaitForError(const IdentitySource& source, const std::string& text,
                  std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace vsecm::identity::testing

#endif  // VSECM_TESTS_IDENTITY_IDENTITY_TEST_SUPPORT_HPP_
