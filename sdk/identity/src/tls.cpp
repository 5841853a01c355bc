#include "vsecm/identity/tls.hpp"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <cstdint>
#include <ctime>
#include <memory>
#include <regex>
#include <string>

#include "quote.hpp"
#include "vsecm/identity/svid.hpp"

namespace vsecm::identity {
namespace {

struct Binding {
  std::shared_ptr<IdentitySource> source;
  PeerPolicy policy;
};

void FreeBinding(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                 void* /*argp*/) {
  delete static_cast<Binding*>(ptr);
}

void FreeReason(void* /*parent*/, void* ptr, CRYPTO_EX_DATA* /*ad*/, int /*idx*/, long /*argl*/,
                void* /*argp*/) {
  delete static_cast<std::string*>(ptr);
}

// SSL_dup copies ex_data pointers unless told otherwise; give the copy its own string.
int DupReason(CRYPTO_EX_DATA* /*to*/, const CRYPTO_EX_DATA* /*from*/, void** from_d, int /*idx*/,
              long /*argl*/, void* /*argp*/) {
  auto** value = reinterpret_cast<std::string**>(from_d);
  if (*value != nullptr) *value = new std::string(**value);
  return 1;
}

int BindingIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &FreeBinding);
  return index;
}

int ReasonIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, &DupReason, &FreeReason);
  return index;
}

// The generation of the source's snapshot the connection's peer chain last verified against,
// kept in the pointer itself (nothing to free); 0: none yet.
int VerifiedGenerationIndex() {
  static const int index = SSL_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

void SetVerifiedGeneration(SSL* ssl, uint64_t generation) {
  if (ssl != nullptr) {
    SSL_set_ex_data(ssl, VerifiedGenerationIndex(),
                    reinterpret_cast<void*>(static_cast<uintptr_t>(generation)));
  }
}

uint64_t VerifiedGeneration(const SSL* ssl) {
  return static_cast<uint64_t>(
      reinterpret_cast<uintptr_t>(SSL_get_ex_data(ssl, VerifiedGenerationIndex())));
}

const Binding* BindingOf(const SSL* ssl) {
  return static_cast<const Binding*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), BindingIndex()));
}

void SetReason(SSL* ssl, std::string reason) {
  if (ssl == nullptr) return;
  auto* existing = static_cast<std::string*>(SSL_get_ex_data(ssl, ReasonIndex()));
  if (existing != nullptr) {
    *existing = std::move(reason);
    return;
  }
  auto* fresh = new std::string(std::move(reason));
  if (SSL_set_ex_data(ssl, ReasonIndex(), fresh) != 1) delete fresh;
}

// The SPIFFE checks after the chain verified: leaf rules, trust domain, authorization.
StatusOr<SpiffeId> CheckPeer(X509* leaf, const PeerPolicy& policy) {
  VSECM_ASSIGN_OR_RETURN(SpiffeId id, SpiffeIdFromCertificate(leaf));
  if (!id.MemberOf(policy.trust_domain)) {
    return PermissionDenied("SPIFFE ID " + internal::Quote(id.str()) +
                            " is not in the trust domain " + internal::Quote(policy.trust_domain));
  }
  if (policy.authorize) {
    Status allowed = policy.authorize(id);
    if (!allowed.ok()) return PermissionDenied(allowed.message());
  }
  return id;
}

int CertCallback(SSL* ssl, void* arg) {
  const auto* binding = static_cast<const Binding*>(arg);
  StatusOr<SnapshotPtr> current = binding->source->Current();
  if (!current.ok()) {
    SetReason(ssl, "no SVID to present: " + current.status().message());
    return 0;
  }
  const IdentitySnapshot& svid = **current;
  if (SSL_get_certificate(ssl) == svid.leaf()) return 1;  // already the current SVID
  if (SSL_use_cert_and_key(ssl, svid.leaf(), svid.key(), svid.intermediates_stack(), 1) != 1) {
    SetReason(ssl, "cannot install the SVID on the connection: " + TakeOpenSslErrors());
    return 0;
  }
  return 1;
}

int VerifyCallback(X509_STORE_CTX* store_ctx, void* arg) {
  const auto* binding = static_cast<const Binding*>(arg);
  SSL* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  // Held until verification ends: the store context borrows the bundle's stack.
  StatusOr<SnapshotPtr> current = binding->source->Current();
  if (!current.ok()) {
    SetReason(ssl, "no trust bundle to verify the peer with: " + current.status().message());
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  X509_STORE_CTX_set0_trusted_stack(store_ctx, (*current)->bundle_stack());
  // Every bundle certificate is an anchor, as in go-spiffe (SPIRE may hand out intermediates).
  X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(store_ctx), X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(store_ctx) != 1) {
    const int error = X509_STORE_CTX_get_error(store_ctx);
    SetReason(ssl, std::string("certificate verification failed: ") +
                       X509_verify_cert_error_string(error) + " (depth " +
                       std::to_string(X509_STORE_CTX_get_error_depth(store_ctx)) + ")");
    if (error == X509_V_OK) X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_UNSPECIFIED);
    return 0;
  }
  StatusOr<SpiffeId> id = CheckPeer(X509_STORE_CTX_get0_cert(store_ctx), binding->policy);
  if (!id.ok()) {
    SetReason(ssl, id.status().message());
    X509_STORE_CTX_set_error(store_ctx, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  SetVerifiedGeneration(ssl, (*current)->generation());
  return 1;
}

// "2026-03-01T12:00:00Z", or "an unreadable date".
std::string FormatTime(const ASN1_TIME* time) {
  std::tm tm{};
  char text[32];
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1 ||
      std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
    return "an unreadable date";
  }
  return text;
}

// The peer's chain, verified again as the handshake did, against `current`'s bundle.
Status VerifyAgain(SSL* ssl, X509* leaf, const IdentitySnapshot& current, const char* whose) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  // The server's copy of the client's chain leaves the leaf out; the untrusted part is the rest.
  if (!store || !ctx ||
      X509_STORE_CTX_init(ctx.get(), store.get(), leaf, SSL_get_peer_cert_chain(ssl)) != 1) {
    return Internal("cannot verify the peer's certificate again: " + TakeOpenSslErrors());
  }
  X509_STORE_CTX_set0_trusted_stack(ctx.get(), current.bundle_stack());
  // As OpenSSL does for the handshake: the purpose of the peer's side, then the SSL's settings.
  X509_STORE_CTX_set_default(ctx.get(), SSL_is_server(ssl) ? "ssl_client" : "ssl_server");
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set1(param, SSL_get0_param(ssl));
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    ERR_clear_error();
    return PermissionDenied(std::string("the ") + whose +
                            " certificate no longer verifies against the current trust bundle: " +
                            X509_verify_cert_error_string(error));
  }
  return Status::Ok();
}

Status Configure(SSL_CTX* ctx, std::shared_ptr<IdentitySource> source, PeerPolicy policy,
                 bool server) {
  if (ctx == nullptr || source == nullptr) {
    return InvalidArgument("an SSL_CTX and an identity source are required");
  }
  if (SSL_CTX_get_ex_data(ctx, BindingIndex()) != nullptr) {
    // Handshakes in flight hold the old binding; replacing it under them is not safe.
    return FailedPrecondition("this SSL_CTX is already bound to an identity source");
  }
  VSECM_RETURN_IF_ERROR(ValidateTrustDomain(policy.trust_domain));
  VSECM_ASSIGN_OR_RETURN(const SnapshotPtr current, source->Current());
  ERR_clear_error();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    return Internal("cannot restrict the context to TLS 1.3: " + TakeOpenSslErrors());
  }
  if (SSL_CTX_use_cert_and_key(ctx, current->leaf(), current->key(), current->intermediates_stack(),
                               1) != 1) {
    return Internal("cannot install the SVID on the context: " + TakeOpenSslErrors());
  }
  auto* binding = new Binding{std::move(source), std::move(policy)};
  if (SSL_CTX_set_ex_data(ctx, BindingIndex(), binding) != 1) {
    delete binding;
    return Internal("cannot bind the identity source to the context");
  }
  // OpenSSL decrypts each record in place in the connection's read buffer and leaves the plain
  // text there (and, once the buffer is freed, in the ordinary heap) after handing it over;
  // secrets cross these connections, so have it wiped as soon as it is read.
  SSL_CTX_set_options(ctx, SSL_OP_CLEANSE_PLAINTEXT);
  SSL_CTX_set_cert_cb(ctx, &CertCallback, binding);
  SSL_CTX_set_cert_verify_callback(ctx, &VerifyCallback, binding);
  // Keep a per-certificate callback someone (asio's set_verify_callback) installed.
  const int mode = server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
  SSL_CTX_set_verify(ctx, mode, SSL_CTX_get_verify_callback(ctx));
  if (server) {
    SSL_CTX_set_num_tickets(ctx, 0);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    static const unsigned char kSessionContext[] = "vsecm";
    SSL_CTX_set_session_id_context(ctx, kSessionContext, sizeof(kSessionContext) - 1);
  }
  return Status::Ok();
}

StatusOr<SslCtxPtr> NewContext(const SSL_METHOD* method, std::shared_ptr<IdentitySource> source,
                               PeerPolicy policy, bool server) {
  SslCtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) return Internal("cannot create an SSL_CTX: " + TakeOpenSslErrors());
  VSECM_RETURN_IF_ERROR(Configure(ctx.get(), std::move(source), std::move(policy), server));
  return ctx;
}

}  // namespace

std::function<Status(const SpiffeId&)> ExpectSpiffeId(SpiffeId expected) {
  return [expected = std::move(expected)](const SpiffeId& id) -> Status {
    if (id == expected) return Status::Ok();
    return PermissionDenied("peer is " + internal::Quote(id.str()) + ", expected " +
                            internal::Quote(expected.str()));
  };
}

StatusOr<std::function<Status(const SpiffeId&)>> ExpectSpiffeIdPattern(const std::string& regex) {
  std::shared_ptr<const std::regex> compiled;
  try {
    compiled = std::make_shared<const std::regex>(regex, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return InvalidArgument("expected peer SPIFFE ID pattern does not compile: " +
                           std::string(e.what()));
  }
  return std::function<Status(const SpiffeId&)>([compiled, regex](const SpiffeId& id) -> Status {
    if (std::regex_match(id.str(), *compiled)) return Status::Ok();
    return PermissionDenied("peer " + internal::Quote(id.str()) + " does not match " +
                            internal::Quote(regex));
  });
}

std::function<Status(const SpiffeId&)> ExpectSafe(RoleMatcher roles) {
  return [roles = std::move(roles)](const SpiffeId& id) -> Status {
    if (roles.IsSafe(id)) return Status::Ok();
    return PermissionDenied("peer " + internal::Quote(id.str()) + " is not the Safe (" +
                            kSafePatternEnv + ")");
  };
}

Status ConfigureServerContext(SSL_CTX* ctx, std::shared_ptr<IdentitySource> source,
                              PeerPolicy policy) {
  return Configure(ctx, std::move(source), std::move(policy), /*server=*/true);
}

Status ConfigureClientContext(SSL_CTX* ctx, std::shared_ptr<IdentitySource> source,
                              PeerPolicy policy) {
  return Configure(ctx, std::move(source), std::move(policy), /*server=*/false);
}

StatusOr<SslCtxPtr> NewServerContext(std::shared_ptr<IdentitySource> source, PeerPolicy policy) {
  return NewContext(TLS_server_method(), std::move(source), std::move(policy), true);
}

StatusOr<SslCtxPtr> NewClientContext(std::shared_ptr<IdentitySource> source, PeerPolicy policy) {
  return NewContext(TLS_client_method(), std::move(source), std::move(policy), false);
}

StatusOr<SpiffeId> PeerSpiffeId(const SSL* ssl) {
  if (ssl == nullptr) return InvalidArgument("no connection");
  const Binding* binding = BindingOf(ssl);
  if (binding == nullptr) {
    return FailedPrecondition("the connection's SSL_CTX was not configured for SPIFFE identities");
  }
  if (SSL_is_init_finished(ssl) != 1) return FailedPrecondition("the handshake has not completed");
  X509* peer = SSL_get0_peer_certificate(ssl);
  if (peer == nullptr) return PermissionDenied("the peer presented no certificate");
  const long verified = SSL_get_verify_result(ssl);
  if (verified != X509_V_OK) {
    return PermissionDenied(std::string("the peer's certificate did not verify: ") +
                            X509_verify_cert_error_string(verified));
  }
  return CheckPeer(peer, binding->policy);
}

Status RecheckPeer(SSL* ssl) {
  if (ssl == nullptr) return InvalidArgument("no connection");
  const Binding* binding = BindingOf(ssl);
  if (binding == nullptr) {
    return FailedPrecondition("the connection's SSL_CTX was not configured for SPIFFE identities");
  }
  const char* whose = SSL_is_server(ssl) ? "client" : "server";
  X509* leaf = SSL_get0_peer_certificate(ssl);
  if (leaf == nullptr) {
    return PermissionDenied(std::string("the ") + whose + " presented no certificate");
  }
  // Every certificate the peer sent: an intermediate may expire before the leaf.
  STACK_OF(X509)* chain = SSL_get_peer_cert_chain(ssl);
  for (int i = -1; i < (chain != nullptr ? sk_X509_num(chain) : 0); ++i) {
    X509* cert = i < 0 ? leaf : sk_X509_value(chain, i);
    const ASN1_TIME* not_after = X509_get0_notAfter(cert);
    if (X509_cmp_current_time(not_after) < 0) {
      return PermissionDenied(std::string("the ") + whose + " certificate" +
                              (cert == leaf ? "" : "'s issuing CA certificate") + " expired at " +
                              FormatTime(not_after));
    }
  }
  StatusOr<SnapshotPtr> current = binding->source->Current();
  if (!current.ok()) {
    return PermissionDenied("no trust bundle to verify the peer with: " + current.status().message());
  }
  const uint64_t generation = (*current)->generation();
  if (generation == 0 || generation != VerifiedGeneration(ssl)) {
    VSECM_RETURN_IF_ERROR(VerifyAgain(ssl, leaf, **current, whose));
    VSECM_RETURN_IF_ERROR(CheckPeer(leaf, binding->policy).status());
    SetVerifiedGeneration(ssl, generation);
  }
  return Status::Ok();
}

std::string HandshakeFailureReason(const SSL* ssl) {
  std::string errors;
  bool no_certificate = false;
  unsigned long code;
  while ((code = ERR_get_error()) != 0) {
    if (ERR_GET_LIB(code) == ERR_LIB_SSL &&
        ERR_GET_REASON(code) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
      no_certificate = true;
    }
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!errors.empty()) errors += "; ";
    errors += buffer;
  }
  if (ssl != nullptr) {
    const auto* reason = static_cast<const std::string*>(SSL_get_ex_data(ssl, ReasonIndex()));
    if (reason != nullptr && !reason->empty()) return *reason;
  }
  if (no_certificate) return "the peer presented no certificate";
  return errors.empty() ? "the handshake failed" : errors;
}

}  // namespace vsecm::identity
