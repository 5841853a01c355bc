// VSecM Sentinel's init command file (app/sentinel/internal/initialization in VSecM):
//
//   w:keycloak-admin,keycloak-db      workloads, comma-separated
//   n:smo-app                         namespaces, comma-separated
//   s:gen:{"pass":"[a-z0-9]{12}"}     the secret (everything after the first ':')
//   t:{"PASSWORD":"{{.pass}}"}        template            f:json|yaml|raw   format
//   e:true  (encrypted value)   d:true  (delete)   N:TIME  (not before)   E:TIME  (expires)
//   --                                ends a block; the block is applied now
//   sleep:5000                        a block that only waits (ms)
//   exit                              stops reading; completion is still marked
//
// As in VSecM: each line is trimmed, split at its first ':', lines without one are skipped, a
// block without workloads does nothing, unknown keys are ignored (with a warning here), and a
// block that is not closed by "--" is not applied (a warning here).
#ifndef VSECM_APPS_SENTINEL_INIT_SCRIPT_HPP_
#define VSECM_APPS_SENTINEL_INIT_SCRIPT_HPP_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sentinel_command.hpp"

namespace vsecm::sentinel {

struct InitStep {
  int line = 0;                     // the line of the block's closing "--"
  std::optional<int> sleep_ms;      // a sleep block
  SentinelCommand command;          // otherwise: applied when it names workloads
};

struct InitScript {
  std::vector<InitStep> steps;
  bool exit_seen = false;
  std::vector<std::string> warnings;  // "line 7: unknown command \"x\" ignored"; no values
};

// Parses the file's text (kept in secure memory by the caller; secrets are copied into
// SecretBytes, everything else is not secret).
InitScript ParseInitScript(std::string_view text);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_INIT_SCRIPT_HPP_
