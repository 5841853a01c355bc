#include "sentinel_command.hpp"

#include <algorithm>
#include <cctype>

#include "dates.hpp"
#include "secret_generator.hpp"

namespace vsecm::sentinel {

std::optional<std::string> NormalizeFormat(std::string_view format) {
  std::string lower(format);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.empty() || lower == "none") return std::string();
  if (lower == "json" || lower == "yaml" || lower == "raw") return lower;
  return std::nullopt;
}

Status ValidateCommand(const SentinelCommand& c) {
  if (c.workloads.empty() && !c.encrypt) {
    return InvalidArgument("no workload given: name it with -w NAME (or use -e -s VALUE to only "
                           "encrypt a value)");
  }
  if (!c.has_secret && !c.delete_secret) {
    return InvalidArgument("no secret given: pass it with -s VALUE, or -s - to read it from stdin");
  }
  if (c.delete_secret) {
    if (c.workloads.empty()) return InvalidArgument("-d/--delete needs the workload: -w NAME");
    return Status::Ok();
  }
  if (!NormalizeFormat(c.format)) {
    return InvalidArgument("bad format \"" + c.format.substr(0, 32) +
                           "\": -f/--format is json, yaml, raw or none");
  }
  return ValidateValidity(c.not_before, c.expires);
}

StatusOr<std::string> ExecuteCommand(client::SafeClient& safe, const SentinelCommand& c,
                                     const kernel::EnvLookup& env) {
  VSECM_RETURN_IF_ERROR(ValidateCommand(c));
  if (c.delete_secret) {
    VSECM_RETURN_IF_ERROR(safe.Delete(c.workloads));
    return std::string("OK");
  }
  std::string prefix = env ? env("VSECM_SENTINEL_SECRET_GENERATION_PREFIX").value_or("") : "";
  if (prefix.empty()) prefix = std::string(kDefaultGenerationPrefix);
  kernel::SecretBytes value;
  if (c.secret.ExposeText().substr(0, prefix.size()) == prefix) {
    VSECM_ASSIGN_OR_RETURN(value, GenerateSecret(c.secret.ExposeText().substr(prefix.size())));
  } else {
    value = c.secret.Clone();
  }
  if (c.encrypt && c.workloads.empty()) return safe.EncryptOnly(value);

  client::UpsertRequest request;
  request.workloads = c.workloads;
  request.namespaces = c.namespaces.empty() ? std::vector<std::string>{"default"} : c.namespaces;
  request.value = std::move(value);
  request.template_text = c.template_text;
  request.format = *NormalizeFormat(c.format);
  request.encrypt = c.encrypt;
  request.not_before = c.not_before.empty() ? "now" : c.not_before;
  request.expires = c.expires.empty() ? "never" : c.expires;
  VSECM_RETURN_IF_ERROR(safe.Upsert(request));
  return std::string("OK");
}

}  // namespace vsecm::sentinel
