// How a client reaches the Safe: its URL, the client's own identity, time limits and retries.
//
//   --safe-url URL        the Safe (default $VSECM_SAFE_ENDPOINT_URL, else
//                         https://vsecm-safe.vsecm-system.svc.cluster.local:8443/)
//   --svid-dir DIR        the client's SVID as files (see vsecm/identity/identity_options.hpp)
//   --spiffe-socket ADDR  the SPIFFE Workload API ($SPIFFE_ENDPOINT_SOCKET)
//
// The Safe must present an SVID whose SPIFFE ID matches VSECM_SPIFFEID_PREFIX_SAFE (VSecM's
// pattern; `vsecm-safe dev` uses .../n/dev, which the default matches).
#ifndef VSECM_CLIENT_CLIENT_OPTIONS_HPP_
#define VSECM_CLIENT_CLIENT_OPTIONS_HPP_

#include <chrono>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "vsecm/client/backoff.hpp"
#include "vsecm/identity/identity_options.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client {

inline constexpr const char* kSafeUrlEnv = "VSECM_SAFE_ENDPOINT_URL";
inline constexpr const char* kDefaultSafeUrl =
    "https://vsecm-safe.vsecm-system.svc.cluster.local:8443/";

struct ClientOptions {
  std::string safe_url;  // empty: $VSECM_SAFE_ENDPOINT_URL, else kDefaultSafeUrl
  identity::IdentityOptions identity;
  BackoffPolicy backoff;  // for calls that fail with UNAVAILABLE (unreachable, 503)
  std::chrono::milliseconds connect_timeout{5000};  // resolve + TCP connect + TLS handshake
  std::chrono::milliseconds request_timeout{30000};  // write the request, read the answer
  size_t max_response_bytes = size_t{16} << 20;
};

// The options with the URL and back-off taken from the environment (VSECM_SAFE_ENDPOINT_URL,
// VSECM_BACKOFF_*).
ClientOptions ClientOptionsFromEnvironment(const kernel::EnvLookup& env);

// Usage lines for an app's --help (add identity::kIdentityFlagsHelp after them).
inline constexpr const char* kSafeUrlFlagHelp =
    "  --safe-url URL        the Safe's API (default $VSECM_SAFE_ENDPOINT_URL or\n"
    "                        https://vsecm-safe.vsecm-system.svc.cluster.local:8443/)\n";

// Consumes --safe-url, --svid-dir or --spiffe-socket at args[*i] (also "--flag=value"),
// advancing *i past a separate value. Returns whether it was one of them; sets *error for a
// missing or repeated value.
bool TakeClientFlag(std::span<const std::string_view> args, size_t* i, ClientOptions* options,
                    std::string* error);

// The parts of an https URL the client needs. `base_path` has no trailing '/' ("" for the root).
struct SafeEndpoint {
  std::string url;
  std::string host;  // without brackets for IPv6 literals
  std::string port;
  std::string base_path;
};

// Accepts "https://host[:port][/path][/]"; the port defaults to 443. INVALID_ARGUMENT names
// what is wrong (another scheme, user info, a query, an empty host).
StatusOr<SafeEndpoint> ParseSafeUrl(std::string_view url);

}  // namespace vsecm::client

#endif  // VSECM_CLIENT_CLIENT_OPTIONS_HPP_
