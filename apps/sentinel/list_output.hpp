// How `vsecm-sentinel -l` prints: a table for people, JSON (--json) for scripts. Values are
// never printed in the clear: the plain list has none, the revealed list has cipher text.
#ifndef VSECM_APPS_SENTINEL_LIST_OUTPUT_HPP_
#define VSECM_APPS_SENTINEL_LIST_OUTPUT_HPP_

#include <string>
#include <vector>

#include "vsecm/client/types.hpp"

namespace vsecm::sentinel {

// NAME  CREATED  UPDATED  NOT BEFORE  EXPIRES, one row per secret, columns aligned. Dates the
// Safe never set print as "-" (not before) and "never" (expires).
std::string FormatTable(const std::vector<client::SecretSummary>& secrets);
// The same with a last column VALUE (<algorithm>, encrypted).
std::string FormatEncryptedTable(const client::EncryptedSecretList& list);

// {"secrets":[{"name","created","updated","notBefore","expiresAfter"}]}, as the Safe sends it.
std::string FormatJson(const std::vector<client::SecretSummary>& secrets);
// {"secrets":[{…,"value"}],"algorithm":"age"}.
std::string FormatEncryptedJson(const client::EncryptedSecretList& list);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_LIST_OUTPUT_HPP_
