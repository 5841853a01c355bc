// Points in time as the kernel records them: UTC, millisecond precision, written as RFC 3339.
//
// Milliseconds because that is what VSecM's clients compare on and what every store keeps
// without loss; the text form always carries three fraction digits and "Z" so that two equal
// times always have equal text.
#ifndef VSECM_KERNEL_TIMESTAMP_HPP_
#define VSECM_KERNEL_TIMESTAMP_HPP_

#include <chrono>
#include <string>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::kernel {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// "2026-11-23T13:00:00.123Z". Years outside 0000–9999 cannot be written in RFC 3339; they are
// clamped to the first or last millisecond of that range.
std::string FormatRfc3339(Timestamp t);

// Parses "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+hh:mm|-hh:mm)". The fraction may have 1 to 9
// digits and is truncated to milliseconds; 'T' and 'Z' may be lower case (RFC 3339 §5.6).
// Everything else is strict: no leap second, no missing field, no surrounding blanks, and the
// instant must fall within years 0000–9999 UTC. Errors quote nothing of the text.
StatusOr<Timestamp> ParseRfc3339(std::string_view text);

}  // namespace vsecm::kernel

#endif  // VSECM_KERNEL_TIMESTAMP_HPP_
