#include "vsecm/identity/identity_options.hpp"

#include "vsecm/identity/svid_files.hpp"
#include "vsecm/identity/workload_api.hpp"

namespace vsecm::identity {
namespace {

bool TakeValue(std::span<const std::string_view> args, size_t* i, std::string_view name,
               std::string* value, std::string* error) {
  const std::string_view arg = args[*i];
  std::string_view found;
  if (arg.size() > name.size() && arg.substr(0, name.size()) == name && arg[name.size()] == '=') {
    found = arg.substr(name.size() + 1);
  } else if (arg == name) {
    if (*i + 1 >= args.size()) {
      *error = std::string(name) + " needs a value";
      return true;
    }
    found = args[++*i];
  } else {
    return false;
  }
  if (!value->empty()) {
    *error = std::string(name) + " given more than once";
  } else if (found.empty()) {
    *error = std::string(name) + " needs a non-empty value";
  } else {
    *value = std::string(found);
  }
  return true;
}

}  // namespace

bool TakeIdentityFlag(std::span<const std::string_view> args, size_t* i, IdentityOptions* options,
                      std::string* error) {
  return TakeValue(args, i, "--svid-dir", &options->svid_dir, error) ||
         TakeValue(args, i, "--spiffe-socket", &options->spiffe_socket, error);
}

StatusOr<std::unique_ptr<IdentitySource>> OpenIdentitySource(const IdentityOptions& options,
                                                             const kernel::EnvLookup& env) {
  const int chosen = int{!options.dev_ca_dir.empty()} + int{!options.svid_dir.empty()} +
                     int{!options.spiffe_socket.empty()};
  if (chosen > 1) {
    return InvalidArgument(
        "choose one identity source: --svid-dir, --spiffe-socket or a development CA");
  }
  std::unique_ptr<IdentitySource> source;
  if (!options.dev_ca_dir.empty()) {
    VSECM_ASSIGN_OR_RETURN(DevCa ca, DevCa::OpenOrCreate(options.dev_ca_dir));
    VSECM_ASSIGN_OR_RETURN(source, DevCaSource::Open(std::move(ca), options.dev_svid));
  } else if (!options.svid_dir.empty()) {
    source = SvidFileSource::Open(options.svid_dir, options.file_poll_interval);
  } else {
    WorkloadApiOptions api;
    if (!options.spiffe_socket.empty()) {
      api.address = options.spiffe_socket;
    } else if (std::optional<std::string> from_env =
                   env ? env(kSpiffeEndpointSocketEnv) : std::nullopt;
               from_env.has_value() && !from_env->empty()) {
      api.address = *from_env;
    }
    api.initial_backoff = options.workload_api_initial_backoff;
    api.max_backoff = options.workload_api_max_backoff;
    VSECM_ASSIGN_OR_RETURN(source, WorkloadApiSource::Open(std::move(api)));
  }
  if (options.initial_wait.count() > 0 && source->generation() == 0) {
    StatusOr<SnapshotPtr> first = source->WaitForUpdate(0, options.initial_wait);
    if (!first.ok()) return first.status();
  }
  return source;
}

}  // namespace vsecm::identity
