#include "vsecm/client/client_options.hpp"

#include <algorithm>
#include <cctype>

namespace vsecm::client {

ClientOptions ClientOptionsFromEnvironment(const kernel::EnvLookup& env) {
  ClientOptions options;
  if (env) options.safe_url = env(kSafeUrlEnv).value_or("");
  options.backoff = BackoffPolicy::FromEnvironment(env);
  return options;
}

bool TakeClientFlag(std::span<const std::string_view> args, size_t* i, ClientOptions* options,
                    std::string* error) {
  constexpr std::string_view kName = "--safe-url";
  const std::string_view arg = args[*i];
  std::string_view value;
  if (arg.size() > kName.size() && arg.substr(0, kName.size()) == kName &&
      arg[kName.size()] == '=') {
    value = arg.substr(kName.size() + 1);
  } else if (arg == kName) {
    if (*i + 1 >= args.size()) {
      *error = "--safe-url needs a value";
      return true;
    }
    value = args[++*i];
  } else {
    return identity::TakeIdentityFlag(args, i, &options->identity, error);
  }
  if (value.empty()) {
    *error = "--safe-url needs a non-empty value";
  } else {
    options->safe_url = std::string(value);
  }
  return true;
}

StatusOr<SafeEndpoint> ParseSafeUrl(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  SafeEndpoint out;
  out.url = std::string(url);
  std::string lower(url.substr(0, std::min(url.size(), kScheme.size())));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != kScheme) {
    return InvalidArgument("the Safe's URL \"" + out.url + "\" must start with https://");
  }
  std::string_view rest = url.substr(kScheme.size());
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return InvalidArgument("the Safe's URL \"" + out.url + "\" must not have a query or fragment");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return InvalidArgument("the Safe's URL \"" + out.url + "\" must not carry user info");
  }
  std::string_view host = authority;
  std::string_view port = "443";
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("the Safe's URL \"" + out.url + "\" has an unclosed '['");
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return InvalidArgument("the Safe's URL \"" + out.url + "\" has junk after the host");
      }
      port = after.substr(1);
    }
  } else if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return InvalidArgument("the Safe's URL \"" + out.url + "\" has no host");
  const bool numeric = !port.empty() && port.size() <= 5 &&
                       std::all_of(port.begin(), port.end(),
                                   [](unsigned char c) { return std::isdigit(c) != 0; });
  if (!numeric || std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535) {
    return InvalidArgument("the Safe's URL \"" + out.url + "\" has a bad port");
  }
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  out.host = std::string(host);
  out.port = std::string(port);
  out.base_path = std::string(path);
  return out;
}

}  // namespace vsecm::client
