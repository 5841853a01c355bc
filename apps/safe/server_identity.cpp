#include "server_identity.hpp"

#include <boost/asio/ssl/context.hpp>

#include "vsecm/identity/identity_options.hpp"
#include "vsecm/identity/roles.hpp"
#include "vsecm/identity/tls.hpp"

namespace vsecm::safe {
namespace {

class IdentityLibraryBinding final : public ServerIdentity {
 public:
  IdentityLibraryBinding(std::shared_ptr<identity::IdentitySource> source,
                         identity::RoleMatcher roles,
                         std::shared_ptr<boost::asio::ssl::context> context)
      : source_(std::move(source)), roles_(std::move(roles)), context_(std::move(context)) {}

  TlsBinding Tls() override {
    // One context for every connection: the library installs the current SVID on each
    // handshake, so rotation needs no new context.
    return TlsBinding{
        [context = context_] { return context; },
        [](SSL* ssl) -> StatusOr<std::string> {
          auto id = identity::PeerSpiffeId(ssl);
          if (!id.ok()) return id.status();
          return id->str();
        },
        [](SSL* ssl) { return identity::HandshakeFailureReason(ssl); },
        [](SSL* ssl) { return identity::RecheckPeer(ssl); }};
  }

  Roles GetRoles() override {
    Roles out;
    out.classify = [roles = roles_](const std::string& text) {
      PeerIdentity peer;
      auto id = identity::SpiffeId::Parse(text);
      if (!id.ok()) return peer;
      switch (roles.Classify(*id)) {
        case identity::Role::kSentinel: peer.role = PeerRole::kSentinel; break;
        case identity::Role::kSafe: peer.role = PeerRole::kSafe; break;
        case identity::Role::kWorkload:
          if (auto name = roles.WorkloadName(*id)) {
            peer.role = PeerRole::kWorkload;
            peer.workload_name = std::move(*name);
            peer.workload_namespace = roles.WorkloadNamespace(*id).value_or("");
          }
          break;
        case identity::Role::kNone: break;
      }
      return peer;
    };
    // VSecM's own identities' names in its default patterns (Scout's included): a workload
    // that happens to carry one of these names must not be handed a secret registered for it.
    out.reserved_names = {"vsecm-safe", "vsecm-sentinel", "vsecm-scout"};
    return out;
  }

  std::string OwnSpiffeId() override {
    auto current = source_->Current();
    return current.ok() ? (*current)->id().str() : source_->Describe();
  }

 private:
  std::shared_ptr<identity::IdentitySource> source_;
  identity::RoleMatcher roles_;
  std::shared_ptr<boost::asio::ssl::context> context_;
};

}  // namespace

StatusOr<std::unique_ptr<ServerIdentity>> OpenServerIdentity(const IdentityFlags& flags,
                                                             const kernel::EnvLookup& env) {
  identity::IdentityOptions options;
  options.svid_dir = flags.svid_dir;
  options.spiffe_socket = flags.spiffe_socket;
  VSECM_ASSIGN_OR_RETURN(std::unique_ptr<identity::IdentitySource> opened,
                         identity::OpenIdentitySource(options, env));
  std::shared_ptr<identity::IdentitySource> source = std::move(opened);
  VSECM_ASSIGN_OR_RETURN(identity::RoleMatcher roles, identity::RoleMatcher::FromEnvironment(env));

  auto context = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_server);
  identity::PeerPolicy policy;
  policy.trust_domain = roles.trust_domain();
  VSECM_RETURN_IF_ERROR(identity::ConfigureServerContext(context->native_handle(), source, policy));
  return std::unique_ptr<ServerIdentity>(
      new IdentityLibraryBinding(std::move(source), std::move(roles), std::move(context)));
}

}  // namespace vsecm::safe
