// The record-name rules of the store ABI (vsecm_store.h): 1 to 250 bytes of [A-Za-z0-9._:@+=,-],
// not starting with '.'. The kernel checks every name against them before any store call, and a
// store checks again (a store must not trust its caller): no name can then reach outside a
// store's own directory or key space. One definition, shared by the kernel and every store.
#ifndef VSECM_SDK_RECORD_NAME_HPP_
#define VSECM_SDK_RECORD_NAME_HPP_

#include <string>
#include <string_view>

#include "vsecm/sdk/status.hpp"

namespace vsecm::sdk {

inline constexpr size_t kMaxRecordNameBytes = 250;

constexpr bool IsRecordNameByte(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == ':' || c == '@' || c == '+' || c == '=' || c == ',' ||
         c == '-';
}

// The refusal names the offending byte in hex, never echoes the name's other bytes.
inline Status CheckRecordName(std::string_view name) {
  if (name.empty() || name.size() > kMaxRecordNameBytes) {
    return InvalidArgument("a record name is 1 to 250 bytes, got " + std::to_string(name.size()));
  }
  if (name.front() == '.') return InvalidArgument("a record name must not start with '.'");
  for (char c : name) {
    if (!IsRecordNameByte(c)) {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto b = static_cast<unsigned char>(c);
      return InvalidArgument(std::string("a record name must not contain the byte 0x") +
                             kHex[b >> 4] + kHex[b & 15] + "; allowed are A-Z a-z 0-9 and ._:@+=,-");
    }
  }
  return Status::Ok();
}

}  // namespace vsecm::sdk

#endif  // VSECM_SDK_RECORD_NAME_HPP_
