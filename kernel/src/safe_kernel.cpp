#include "vsecm/kernel/safe_kernel.hpp"

#include <fmt/format.h>

#include "vsecm/kernel/key_derivation.hpp"
#include "vsecm/kernel/log.hpp"
#include "vsecm/kernel/plugin_library.hpp"

namespace vsecm::kernel {
namespace {

// Finds, verifies, configures and creates the plugin chosen in `section`.
StatusOr<std::unique_ptr<PluginInstance>> StartPlugin(const KernelConfig& config,
                                                      const std::string& directory,
                                                      std::string_view section,
                                                      const PluginSelection& selection,
                                                      vsecm_plugin_kind kind, const EnvLookup& env) {
  std::string name_key = fmt::format("{}.name", section);
  auto context = [&](const Status& s) {
    return s.WithContext(fmt::format("{} \"{}\" (set by {})", name_key, selection.name,
                                     OriginOf(config, name_key)));
  };
  auto path = PluginPath(directory, selection.name);
  if (!path.ok()) return context(path.status());

  PluginLoadOptions options;
  options.trust = config.mode == Mode::kDevelopment ? PluginTrust::kDevelopment
                                                    : PluginTrust::kProduction;
  options.expected_kind = kind;
  options.expected_name = selection.name;
  options.sha256_pin = selection.sha256;
  auto library = LoadPluginLibrary(*path, options);
  if (!library.ok()) return context(library.status());

  const vsecm_plugin_descriptor& d = (*library)->descriptor();
  auto settings = ResolvePluginSettings(
      section, selection, std::span<const vsecm_config_field>(d.config_fields, d.config_field_count),
      env);
  if (!settings.ok()) return settings.status();

  auto instance = PluginInstance::Create(*library, std::move(settings).value());
  if (!instance.ok()) return context(instance.status());
  LogInfo("kernel", "{} plugin {} {} loaded from {} (sha256 {}{})", PluginKindName(kind),
          selection.name, d.version, *path, (*library)->sha256(),
          selection.sha256 ? ", pinned" : ", not pinned");
  return instance;
}

}  // namespace

SafeKernel::~SafeKernel() = default;

StatusOr<std::unique_ptr<SafeKernel>> SafeKernel::Create(const KernelConfig& config,
                                                         Options options) {
  std::unique_ptr<SafeKernel> kernel(new SafeKernel());
  for (const std::string& notice : config.notices) LogWarning("kernel", "{}", notice);
  if (config.mode == Mode::kDevelopment) {
    LogWarning("kernel", "DEVELOPMENT MODE: plugin ownership and configuration file permissions "
                         "are not checked; never run a production Safe like this");
  }

  if (options.audit) {
    kernel->audit_ = std::move(options.audit);
  } else {
    auto audit = JsonLinesAuditSink::Open(config.audit_path, FsyncPolicy::kEveryRecord);
    if (!audit.ok()) return audit.status().WithContext("audit.path");
    kernel->audit_ = std::move(audit).value();
  }

  const std::string directory =
      config.plugin_directory.empty() ? options.default_plugin_directory : config.plugin_directory;
  VSECM_ASSIGN_OR_RETURN(auto crypto, StartPlugin(config, directory, "plugins.crypto",
                                                  config.crypto, VSECM_KIND_CRYPTO, options.env));
  kernel->crypto_ = std::make_unique<CryptoProvider>(std::move(crypto));
  VSECM_ASSIGN_OR_RETURN(auto store, StartPlugin(config, directory, "plugins.store", config.store,
                                                 VSECM_KIND_STORE, options.env));
  kernel->store_ = std::make_unique<StoreProvider>(std::move(store));
  if (config.transform) {
    VSECM_ASSIGN_OR_RETURN(auto transform,
                           StartPlugin(config, directory, "plugins.transform", *config.transform,
                                       VSECM_KIND_TRANSFORM, options.env));
    kernel->transform_ = std::make_unique<TransformProvider>(std::move(transform));
  }
  kernel->registry_ = std::make_unique<SecretRegistry>(*kernel->crypto_, *kernel->store_,
                                                       kernel->transform_.get(), *kernel->audit_);
  return kernel;
}

Status SafeKernel::InstallRootKey(const RootKey& root_key) {
  VSECM_ASSIGN_OR_RETURN(SecretBytes material, root_key.MaterialFor(crypto_->algorithm()));
  VSECM_RETURN_IF_ERROR(crypto_->SetKeys(material));
  if (store_->TakesKey()) {
    SecretBytes text = root_key.Text();
    VSECM_ASSIGN_OR_RETURN(
        SecretBytes store_key,
        DeriveKey(text.Expose(), std::string(kStoreKeyLabel) + std::string(store_->name()), 32));
    VSECM_RETURN_IF_ERROR(store_->SetKey(store_key));
  }
  return Status::Ok();
}

}  // namespace vsecm::kernel
