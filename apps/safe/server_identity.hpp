// The Safe's side of SPIFFE: its own SVID for the TLS server (reloaded when it rotates), the
// verification of each client's SVID, and VSecM's roles by SPIFFE ID. The only file of the
// Safe that knows the identity library.
#ifndef VSECM_APPS_SAFE_SERVER_IDENTITY_HPP_
#define VSECM_APPS_SAFE_SERVER_IDENTITY_HPP_

#include <memory>
#include <string>

#include "https_server.hpp"
#include "safe_api.hpp"
#include "vsecm/kernel/config.hpp"

namespace vsecm::safe {

// The identity options every app takes.
struct IdentityFlags {
  std::string svid_dir;       // --svid-dir: spiffe-helper's svid.pem, svid_key.pem, svid_bundle.pem
  std::string spiffe_socket;  // --spiffe-socket, else SPIFFE_ENDPOINT_SOCKET
};

class ServerIdentity {
 public:
  virtual ~ServerIdentity() = default;
  virtual TlsBinding Tls() = 0;
  virtual Roles GetRoles() = 0;
  virtual std::string OwnSpiffeId() = 0;
};

StatusOr<std::unique_ptr<ServerIdentity>> OpenServerIdentity(const IdentityFlags& flags,
                                                             const kernel::EnvLookup& env);

}  // namespace vsecm::safe

#endif  // VSECM_APPS_SAFE_SERVER_IDENTITY_HPP_
