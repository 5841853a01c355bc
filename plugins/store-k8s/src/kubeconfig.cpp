// Kubeconfig files, read the way kubectl reads them, minus what this client refuses to do.
//
// yaml-cpp keeps its own copies of scalars (a token, a client key) in ordinary memory until the
// document is released at the end of LoadKubeconfig; what this code keeps goes to SecretBytes.
#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include <fmt/format.h>

#include "file_util.hpp"
#include "vsecm/k8s/cluster_config.hpp"
#include "vsecm/kernel/secure_json.hpp"

namespace vsecm::k8s {
namespace {

std::string ScalarOr(const YAML::Node& node, const char* key, std::string fallback = {}) {
  const YAML::Node v = node[key];
  return v && v.IsScalar() ? v.Scalar() : fallback;
}

// Finds the entry called `name` in a kubeconfig list ("clusters", "contexts", "users") and
// returns its inner map (`field`).
StatusOr<YAML::Node> Named(const YAML::Node& root, const char* list, const char* field,
                           const std::string& name, const std::string& where) {
  const YAML::Node entries = root[list];
  if (entries && entries.IsSequence()) {
    for (const YAML::Node& entry : entries) {
      if (ScalarOr(entry, "name") == name) {
        const YAML::Node inner = entry[field];
        if (!inner || !inner.IsMap()) {
          return InvalidArgument(fmt::format("{}: {} entry {:?} has no {} map", where, list,
                                             name, field));
        }
        return inner;
      }
    }
  }
  return InvalidArgument(fmt::format("{}: no {} entry named {:?}", where, list, name));
}

std::string Resolve(const std::string& file, const std::filesystem::path& dir) {
  std::filesystem::path p(file);
  return p.is_absolute() ? file : (dir / p).string();
}

StatusOr<kernel::SecretBytes> DecodeField(std::string& text, const std::string& where,
                                          const char* field) {
  auto decoded = kernel::DecodeBase64(
      {reinterpret_cast<const uint8_t*>(text.data()), text.size()});
  OPENSSL_cleanse(text.data(), text.size());
  if (!decoded.ok()) {
    return InvalidArgument(fmt::format("{}: {} is not valid base64", where, field));
  }
  return std::move(decoded).value();
}

std::string ToText(const kernel::SecretBytes& bytes) { return std::string(bytes.ExposeText()); }

}  // namespace

StatusOr<ClusterConfig> LoadKubeconfig(const std::string& path, std::string_view context) {
  const std::string where = "kubeconfig " + path;
  VSECM_ASSIGN_OR_RETURN(std::string text, internal::ReadTextFile(path, "kubeconfig"));
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    OPENSSL_cleanse(text.data(), text.size());
    return InvalidArgument(fmt::format("{}: not YAML (line {})", where, e.mark.line + 1));
  }
  OPENSSL_cleanse(text.data(), text.size());
  if (!root.IsMap()) return InvalidArgument(where + ": not a kubeconfig (no top-level map)");
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();

  try {
    const std::string context_name =
        context.empty() ? ScalarOr(root, "current-context") : std::string(context);
    if (context_name.empty()) {
      return InvalidArgument(where + ": no current-context and no context chosen");
    }
    VSECM_ASSIGN_OR_RETURN(YAML::Node ctx, Named(root, "contexts", "context", context_name, where));
    const std::string cluster_name = ScalarOr(ctx, "cluster");
    const std::string user_name = ScalarOr(ctx, "user");
    VSECM_ASSIGN_OR_RETURN(YAML::Node cluster,
                           Named(root, "clusters", "cluster", cluster_name, where));

    ClusterConfig config;
    config.source = where;
    const std::string server = ScalarOr(cluster, "server");
    if (server.empty()) {
      return InvalidArgument(fmt::format("{}: cluster {:?} has no server", where, cluster_name));
    }
    VSECM_RETURN_IF_ERROR(ParseServerUrl(server, &config).WithContext(where));
    if (ScalarOr(cluster, "insecure-skip-tls-verify") == "true") {
      return InvalidArgument(fmt::format(
          "{}: cluster {:?} sets insecure-skip-tls-verify; this client always verifies the API "
          "server (give certificate-authority or certificate-authority-data)",
          where, cluster_name));
    }
    config.tls_server_name = ScalarOr(cluster, "tls-server-name");
    if (std::string ca = ScalarOr(cluster, "certificate-authority-data"); !ca.empty()) {
      VSECM_ASSIGN_OR_RETURN(auto bytes, DecodeField(ca, where, "certificate-authority-data"));
      config.ca_pem = ToText(bytes);
    } else if (std::string file = ScalarOr(cluster, "certificate-authority"); !file.empty()) {
      VSECM_ASSIGN_OR_RETURN(config.ca_pem, internal::ReadTextFile(Resolve(file, dir),
                                                                   "certificate-authority"));
    }

    if (!user_name.empty()) {
      VSECM_ASSIGN_OR_RETURN(YAML::Node user, Named(root, "users", "user", user_name, where));
      for (const char* unsupported : {"exec", "auth-provider"}) {
        if (user[unsupported]) {
          return InvalidArgument(fmt::format(
              "{}: user {:?} uses {}, which this client does not run; give a token, tokenFile or "
              "a client certificate",
              where, user_name, unsupported));
        }
      }
      if (std::string token = ScalarOr(user, "token"); !token.empty()) {
        config.token = kernel::SecretBytes::CopyOf(std::string_view(token));
        OPENSSL_cleanse(token.data(), token.size());
      }
      if (std::string file = ScalarOr(user, "tokenFile"); !file.empty()) {
        config.token_file = Resolve(file, dir);
      }
      if (std::string cert = ScalarOr(user, "client-certificate-data"); !cert.empty()) {
        VSECM_ASSIGN_OR_RETURN(auto bytes, DecodeField(cert, where, "client-certificate-data"));
        config.client_cert_pem = ToText(bytes);
      } else if (std::string file = ScalarOr(user, "client-certificate"); !file.empty()) {
        VSECM_ASSIGN_OR_RETURN(config.client_cert_pem,
                               internal::ReadTextFile(Resolve(file, dir), "client-certificate"));
      }
      if (std::string key = ScalarOr(user, "client-key-data"); !key.empty()) {
        VSECM_ASSIGN_OR_RETURN(config.client_key_pem, DecodeField(key, where, "client-key-data"));
      } else if (std::string file = ScalarOr(user, "client-key"); !file.empty()) {
        VSECM_ASSIGN_OR_RETURN(config.client_key_pem,
                               internal::ReadSecretFile(Resolve(file, dir), "client-key"));
      }
      if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
        return InvalidArgument(fmt::format(
            "{}: user {:?} has a client certificate without a key, or a key without a certificate",
            where, user_name));
      }
    }
    return config;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(fmt::format("{}: unexpected structure (line {})", where,
                                       e.mark.line + 1));
  }
}

}  // namespace vsecm::k8s
