#include "vsecm/k8s/root_key_secret.hpp"

#include <fmt/format.h>

namespace vsecm::k8s {
namespace {

constexpr int kConflictRetries = 5;

bool HasKey(const Secret& secret) {
  auto it = secret.data.find(std::string(kRootKeyDataKey));
  return it != secret.data.end() && !it->second.empty();
}

}  // namespace

std::string RootKeySecretName(const kernel::EnvLookup& env) {
  auto v = env("VSECM_ROOT_KEY_NAME");
  return v && !v->empty() ? *v : std::string(kDefaultRootKeySecretName);
}

StatusOr<kernel::SecretBytes> ReadRootKey(SecretsApi& api, std::string_view ns,
                                          std::string_view name) {
  VSECM_ASSIGN_OR_RETURN(Secret secret, api.Get(ns, name));
  auto it = secret.data.find(std::string(kRootKeyDataKey));
  if (it == secret.data.end() || it->second.empty()) {
    return NotFound(fmt::format("root key secret {}/{} has no {} yet", ns, name,
                                kRootKeyDataKey));
  }
  return std::move(it->second);
}

Status CreateRootKey(SecretsApi& api, std::string_view ns, std::string_view name,
                     std::span<const uint8_t> key_text) {
  if (key_text.empty()) return InvalidArgument("the root key to store is empty");
  const auto exists = [&] {
    return Status(StatusCode::kAlreadyExists,
                  fmt::format("root key secret {}/{} already holds a {}; it is never "
                              "overwritten (read it instead)",
                              ns, name, kRootKeyDataKey));
  };
  for (int attempt = 0; attempt <= kConflictRetries; ++attempt) {
    auto current = api.Get(ns, name);
    if (!current.ok() && current.status().code() != StatusCode::kNotFound) return current.status();
    if (!current.ok()) {
      Secret secret;
      secret.metadata.name = std::string(name);
      secret.metadata.labels["app.kubernetes.io/managed-by"] = "vsecm";
      secret.metadata.labels["app.kubernetes.io/part-of"] = "vsecm";
      secret.data.emplace(std::string(kRootKeyDataKey), kernel::SecretBytes::CopyOf(key_text));
      auto created = api.Create(ns, secret);
      if (created.ok()) return Status::Ok();
      // Another replica created it between our read and write: look again.
      if (created.status().code() == StatusCode::kAlreadyExists) continue;
      return created.status();
    }
    if (HasKey(*current)) return exists();
    Secret secret = std::move(current).value();
    secret.data[std::string(kRootKeyDataKey)] = kernel::SecretBytes::CopyOf(key_text);
    auto replaced = api.Replace(ns, secret);
    if (replaced.ok()) return Status::Ok();
    if (!IsConflict(replaced.status())) return replaced.status();
  }
  return Unavailable(fmt::format("root key secret {}/{}: still conflicting after {} attempts",
                                 ns, name, kConflictRetries + 1));
}

}  // namespace vsecm::k8s
