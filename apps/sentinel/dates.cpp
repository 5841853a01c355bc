#include "dates.hpp"

#include <string>

#include <fmt/format.h>

#include "vsecm/kernel/timestamp.hpp"

namespace vsecm::sentinel {
namespace {

Status Check(std::string_view flag, std::string_view text, std::string_view word) {
  if (text.empty() || text == word) return Status::Ok();
  if (kernel::ParseRfc3339(text).ok()) return Status::Ok();
  return InvalidArgument(fmt::format(
      "bad date: {} \"{}\" is neither \"{}\" nor an RFC 3339 time like 2030-01-02T15:04:05Z",
      flag, text.substr(0, 64), word));
}

}  // namespace

Status ValidateNotBefore(std::string_view text) { return Check("-N/--nbf", text, "now"); }

Status ValidateExpires(std::string_view text) { return Check("-E/--exp", text, "never"); }

Status ValidateValidity(std::string_view not_before, std::string_view expires) {
  VSECM_RETURN_IF_ERROR(ValidateNotBefore(not_before));
  VSECM_RETURN_IF_ERROR(ValidateExpires(expires));
  auto start = kernel::ParseRfc3339(not_before);
  auto end = kernel::ParseRfc3339(expires);
  if (start.ok() && end.ok() && *end <= *start) {
    return InvalidArgument(fmt::format("bad date: -E/--exp {} is not after -N/--nbf {}", expires,
                                       not_before));
  }
  return Status::Ok();
}

}  // namespace vsecm::sentinel
