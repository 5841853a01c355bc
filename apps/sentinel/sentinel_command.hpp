// One Sentinel command — what `vsecm-sentinel -w … -s …` and one block of an init file both
// describe — with VSecM's rules for what goes together, and its execution against the Safe.
#ifndef VSECM_APPS_SENTINEL_SENTINEL_COMMAND_HPP_
#define VSECM_APPS_SENTINEL_SENTINEL_COMMAND_HPP_

#include <string>
#include <vector>

#include "vsecm/client/safe_client.hpp"
#include "vsecm/kernel/config.hpp"
#include "vsecm/kernel/secure_memory.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::sentinel {

struct SentinelCommand {
  std::vector<std::string> workloads;   // -w (repeatable)
  std::vector<std::string> namespaces;  // -n (repeatable); empty means "default"
  bool has_secret = false;              // -s given
  kernel::SecretBytes secret;
  std::string template_text;         // -t
  std::string format;                // -f: json, yaml, raw (any case), none or ""
  bool encrypt = false;              // -e
  bool delete_secret = false;        // -d
  std::string not_before = "now";    // -N
  std::string expires = "never";     // -E
};

// VSecM's checks before anything is sent, as one-line INVALID_ARGUMENT messages:
//  - a workload is needed unless -e (encrypt only);
//  - a secret is needed unless -d;
//  - -d needs a workload; -f is json, yaml, raw or none;
//  - -N is "now" or RFC 3339, -E is "never" or RFC 3339, and -E is after -N.
Status ValidateCommand(const SentinelCommand& command);

// Runs a validated command and returns what to print on success: "OK", or for -e without -w
// the value encrypted with the Safe's key. A secret starting with the generation prefix
// (VSECM_SENTINEL_SECRET_GENERATION_PREFIX, default "gen:") is generated from its pattern
// first, as VSecM does.
StatusOr<std::string> ExecuteCommand(client::SafeClient& safe, const SentinelCommand& command,
                                     const kernel::EnvLookup& env);

// "json", "yaml", "raw" for any case of those; "" for "none" and ""; nullopt otherwise.
std::optional<std::string> NormalizeFormat(std::string_view format);

}  // namespace vsecm::sentinel

#endif  // VSECM_APPS_SENTINEL_SENTINEL_COMMAND_HPP_
