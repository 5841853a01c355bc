// Mutual TLS with SPIFFE identities on an OpenSSL SSL_CTX (also the one inside a
// boost::asio::ssl::context: pass ctx.native_handle()).
//
// Configure*Context sets TLS 1.3 only, peer verification (the server also demands a client
// certificate), and two callbacks bound to an IdentitySource:
//  - a certificate callback that installs the source's current SVID on each connection, so a
//    rotated SVID is presented on the next handshake without touching the shared SSL_CTX
//    (mutating an SSL_CTX while other threads create connections from it is a data race);
//  - a verification callback that checks the peer's chain against the source's current bundle,
//    then the X.509-SVID leaf rules, the trust domain and the policy's authorization.
// The server side also turns off session resumption: every connection presents a certificate
// that is checked against the bundle and the clock of that moment.
//
// Server usage:
//   SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
//   VSECM_RETURN_IF_ERROR(ConfigureServerContext(ctx, source, {.trust_domain = "vsecm.com"}));
//   ... SSL_accept / async_handshake ...
//   StatusOr<SpiffeId> peer = PeerSpiffeId(ssl);          // after the handshake
//   before each later request on it: RecheckPeer(ssl)
//   on failure: audit HandshakeFailureReason(ssl)
#ifndef VSECM_IDENTITY_TLS_HPP_
#define VSECM_IDENTITY_TLS_HPP_

#include <openssl/ssl.h>

#include <functional>
#include <memory>
#include <string>

#include "vsecm/identity/identity_source.hpp"
#include "vsecm/identity/roles.hpp"
#include "vsecm/identity/spiffe_id.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

struct PeerPolicy {
  // The peer's SPIFFE ID must be in this trust domain.
  std::string trust_domain = std::string(kDefaultTrustDomain);
  // Further checks on the peer's ID during the handshake (e.g. "this is the Safe"); a non-ok
  // status fails the handshake and becomes HandshakeFailureReason. Empty: any ID in the domain.
  std::function<Status(const SpiffeId&)> authorize;
};

// Authorizers for PeerPolicy::authorize.
std::function<Status(const SpiffeId&)> ExpectSpiffeId(SpiffeId expected);
// ECMAScript regex that must match the whole ID.
StatusOr<std::function<Status(const SpiffeId&)>> ExpectSpiffeIdPattern(const std::string& regex);
// The Safe's ID as VSECM_SPIFFEID_PREFIX_SAFE describes it.
std::function<Status(const SpiffeId&)> ExpectSafe(RoleMatcher roles);

// The source is kept alive by the SSL_CTX (released with it). Calling again replaces the
// binding. The source must have published a snapshot (UNAVAILABLE otherwise): it is also
// installed on the SSL_CTX itself so the context is complete before the first handshake.
Status ConfigureServerContext(SSL_CTX* ctx, std::shared_ptr<IdentitySource> source,
                              PeerPolicy policy);
Status ConfigureClientContext(SSL_CTX* ctx, std::shared_ptr<IdentitySource> source,
                              PeerPolicy policy);

// SSL_CTX_new(TLS_server_method() / TLS_client_method()) + Configure*Context.
StatusOr<SslCtxPtr> NewServerContext(std::shared_ptr<IdentitySource> source, PeerPolicy policy);
StatusOr<SslCtxPtr> NewClientContext(std::shared_ptr<IdentitySource> source, PeerPolicy policy);

// The verified peer's SPIFFE ID after a completed handshake on a context configured above.
// PERMISSION_DENIED when there is no peer certificate, its verification failed, or the leaf is
// not an SVID of the context's trust domain (re-checked here: cheap, and independent of how
// the handshake went).
StatusOr<SpiffeId> PeerSpiffeId(const SSL* ssl);

// Before each further request on a connection that stays open (keep-alive): the peer must
// still be who the handshake let in. PERMISSION_DENIED when its certificate has expired since
// ("the client certificate expired at 2026-03-01T12:00:00Z"), when its chain no longer
// verifies against the source's CURRENT bundle (its CA was rotated out: "the client
// certificate no longer verifies against the current trust bundle: ..."), or when it no longer
// passes the policy. The chain is verified again only when the source has published a new
// snapshot since the last check on this connection (the handshake counts as one), so the usual
// cost is a comparison of dates.
Status RecheckPeer(SSL* ssl);

// Why a handshake on a configured context failed, for the audit journal: the refusal reason of
// our verification ("certificate has 2 URI SANs; ...", "certificate verification failed:
// certificate has expired"), or "the peer presented no certificate", or OpenSSL's error queue.
// Drains this thread's OpenSSL error queue.
std::string HandshakeFailureReason(const SSL* ssl);

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_TLS_HPP_
