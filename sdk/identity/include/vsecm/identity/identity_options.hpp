// The identity options every VSecM app takes, and the factory that opens the source they name.
//
//   --svid-dir DIR        SVID files (svid.pem, svid_key.pem, svid_bundle.pem) in DIR
//   --spiffe-socket ADDR  the SPIFFE Workload API at ADDR ("unix:///path" or "tcp://IP:PORT")
//
// Precedence: a programmatic development CA (dev_ca_dir, e.g. `vsecm-safe dev`) > --svid-dir >
// --spiffe-socket > $SPIFFE_ENDPOINT_SOCKET > unix:///spire-agent-socket/spire-agent.sock.
// Giving two of dev_ca_dir, --svid-dir and --spiffe-socket is an error; the environment variable
// only fills in when neither flag is given (a pod may have it set for other reasons).
#ifndef VSECM_IDENTITY_IDENTITY_OPTIONS_HPP_
#define VSECM_IDENTITY_IDENTITY_OPTIONS_HPP_

#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "vsecm/identity/dev_ca.hpp"
#include "vsecm/identity/identity_source.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::identity {

struct IdentityOptions {
  std::string svid_dir;       // --svid-dir
  std::string spiffe_socket;  // --spiffe-socket
  // A development CA issuing `dev_svid` in memory (renewed at half-life).
  std::string dev_ca_dir;
  SvidRequest dev_svid;
  // How long OpenIdentitySource waits for the first SVID; 0 returns at once (Current() is then
  // UNAVAILABLE until one arrives).
  std::chrono::milliseconds initial_wait{30000};
  std::chrono::milliseconds file_poll_interval{1000};
  std::chrono::milliseconds workload_api_initial_backoff{200};
  std::chrono::milliseconds workload_api_max_backoff{30000};
};

// Usage lines for an app's --help.
inline constexpr const char* kIdentityFlagsHelp =
    "  --svid-dir DIR        read the SVID from DIR/svid.pem, svid_key.pem, svid_bundle.pem\n"
    "                        (reloaded when they change)\n"
    "  --spiffe-socket ADDR  SPIFFE Workload API address (default $SPIFFE_ENDPOINT_SOCKET or\n"
    "                        unix:///spire-agent-socket/spire-agent.sock)\n";

// Consumes --svid-dir / --spiffe-socket at args[*i] (also the "--flag=value" form), advancing
// *i past a separate value. Returns whether args[*i] was one of them; sets *error for a missing
// or repeated value.
bool TakeIdentityFlag(std::span<const std::string_view> args, size_t* i, IdentityOptions* options,
                      std::string* error);

// Opens the source the options name (see the precedence above) and waits up to initial_wait
// for its first SVID. UNAVAILABLE names the source and the last load error on timeout.
StatusOr<std::unique_ptr<IdentitySource>> OpenIdentitySource(const IdentityOptions& options,
                                                             const kernel::EnvLookup& env);

}  // namespace vsecm::identity

#endif  // VSECM_IDENTITY_IDENTITY_OPTIONS_HPP_
