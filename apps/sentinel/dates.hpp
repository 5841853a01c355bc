// Sentinel's -N/--nbf and -E/--exp: checked here before anything is sent, so a typo is one
// clear line instead of a round trip.
#ifndef VSECM_APPS_SENTINEL_DATES_HPP_
#define VSECM_APPS_SENTINEL_DATES_HPP_

#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

// "now", "" or an RFC 3339 time ("2030-01-02T15:04:05Z", "2030-01-02T15:04:05.5+02:00").
Status ValidateNotBefore(std::string_view text);
// "never", "" or an RFC 3339 time.
Status ValidateExpires(std::string_view text);
// Both checks, then: when both are times, the expiry must come after the start.
Status ValidateValidity(std::string_view not_before, std::string_view expires);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_DATES_HPP_
