#include "vsecm/client/safe_client.hpp"

#include <mutex>
#include <thread>

#include "api_codec.hpp"
#include "transport.hpp"
#include "vsecm/identity/identity_options.hpp"
#include "vsecm/kernel/log.hpp"
#include "watch_loop.hpp"

namespace vsecm::client {

using internal::HttpReply;
using internal::Method;

namespace {

constexpr std::string_view kWorkloadSecrets = "/workload/v1/secrets";
constexpr std::string_view kSentinelSecrets = "/sentinel/v1/secrets";
constexpr std::string_view kSentinelKeys = "/sentinel/v1/keys";
constexpr std::string_view kKeystone = "/sentinel/v1/keystone";

}  // namespace

struct SafeClient::Impl {
  ClientOptions options;
  internal::TransportConfig transport_config;
  std::shared_ptr<identity::IdentitySource> source;
  std::shared_ptr<internal::TlsContext> tls;
  std::mutex mutex;  // one exchange at a time on the shared connection
  internal::Transport transport;

  Impl(ClientOptions o, internal::TransportConfig c, std::shared_ptr<identity::IdentitySource> s,
       std::shared_ptr<internal::TlsContext> t)
      : options(std::move(o)), transport_config(c), source(std::move(s)), tls(t),
        transport(std::move(c), std::move(t)) {}

  // One request; answers other than 200 become their Status. Retries UNAVAILABLE with the
  // back-off when `retry` is set.
  StatusOr<HttpReply> Call(Method method, std::string_view path, const kernel::SecretBytes* body,
                           bool retry = true) {
    std::lock_guard<std::mutex> lock(mutex);
    Backoff backoff(retry ? options.backoff : BackoffPolicy::NoRetries());
    for (;;) {
      StatusOr<HttpReply> reply = transport.Exchange(method, path, body);
      Status status = reply.ok() ? internal::StatusFromReply(*reply) : reply.status();
      if (status.ok()) return reply;
      if (!IsRetryable(status)) return status;
      std::optional<std::chrono::milliseconds> wait = backoff.Next();
      if (!wait) {
        if (backoff.retries() == 0) return status;
        return Status(status.code(), status.message() + " (gave up after " +
                                         std::to_string(backoff.retries()) + " retries)");
      }
      kernel::LogDebug("client", "{}; retry {} in {} ms", status.message(), backoff.retries(),
                       wait->count());
      std::this_thread::sleep_for(*wait);
    }
  }
};

SafeClient::SafeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SafeClient::~SafeClient() = default;

StatusOr<std::unique_ptr<SafeClient>> SafeClient::Create(ClientOptions options,
                                                         const kernel::EnvLookup& env) {
  if (options.safe_url.empty()) {
    options.safe_url = (env ? env(kSafeUrlEnv) : std::nullopt).value_or(kDefaultSafeUrl);
    if (options.safe_url.empty()) options.safe_url = kDefaultSafeUrl;
  }
  VSECM_RETURN_IF_ERROR(ParseSafeUrl(options.safe_url).status());
  VSECM_ASSIGN_OR_RETURN(identity::RoleMatcher roles, identity::RoleMatcher::FromEnvironment(env));
  StatusOr<std::unique_ptr<identity::IdentitySource>> source =
      identity::OpenIdentitySource(options.identity, env);
  if (!source.ok()) return source.status().WithContext("cannot get our SVID");
  return Create(std::move(options), std::shared_ptr<identity::IdentitySource>(std::move(*source)),
                std::move(roles));
}

StatusOr<std::unique_ptr<SafeClient>> SafeClient::Create(
    ClientOptions options, std::shared_ptr<identity::IdentitySource> source,
    identity::RoleMatcher roles) {
  if (options.safe_url.empty()) options.safe_url = kDefaultSafeUrl;
  VSECM_ASSIGN_OR_RETURN(SafeEndpoint endpoint, ParseSafeUrl(options.safe_url));
  StatusOr<std::shared_ptr<internal::TlsContext>> tls = internal::NewTlsContext(source, roles);
  if (!tls.ok()) return tls.status().WithContext("cannot set up TLS with our SVID");
  internal::TransportConfig config{std::move(endpoint), options.connect_timeout,
                                   options.request_timeout, options.max_response_bytes};
  return std::unique_ptr<SafeClient>(new SafeClient(
      std::make_unique<Impl>(std::move(options), std::move(config), std::move(source), *tls)));
}

const std::string& SafeClient::url() const { return impl_->transport_config.endpoint.url; }

std::string SafeClient::spiffe_id() const {
  StatusOr<identity::SnapshotPtr> current = impl_->source->Current();
  return current.ok() ? (*current)->id().str() : std::string();
}

StatusOr<WorkloadSecret> SafeClient::Fetch() {
  VSECM_ASSIGN_OR_RETURN(HttpReply reply, impl_->Call(Method::kGet, kWorkloadSecrets, nullptr));
  return internal::DecodeWorkloadSecret(reply.body.Expose());
}

StatusOr<WorkloadSecret> SafeClient::FetchOnce() {
  VSECM_ASSIGN_OR_RETURN(HttpReply reply,
                         impl_->Call(Method::kGet, kWorkloadSecrets, nullptr, /*retry=*/false));
  return internal::DecodeWorkloadSecret(reply.body.Expose());
}

std::unique_ptr<SecretWatch> SafeClient::Watch(WatchCallback on_change, WatchOptions options,
                                               ErrorCallback on_error) {
  return internal::StartWatch(impl_->transport_config, impl_->tls, std::move(on_change),
                              std::move(on_error), options);
}

Status SafeClient::Upsert(const UpsertRequest& request) {
  kernel::SecretBytes body = internal::EncodeUpsert(request);
  return impl_->Call(Method::kPost, kSentinelSecrets, &body).status();
}

Status SafeClient::Delete(const std::vector<std::string>& workloads) {
  kernel::SecretBytes body = internal::EncodeDelete(workloads);
  return impl_->Call(Method::kDelete, kSentinelSecrets, &body).status();
}

StatusOr<std::vector<SecretSummary>> SafeClient::List() {
  VSECM_ASSIGN_OR_RETURN(HttpReply reply, impl_->Call(Method::kGet, kSentinelSecrets, nullptr));
  return internal::DecodeSecretList(reply.body.Expose());
}

StatusOr<EncryptedSecretList> SafeClient::ListEncrypted() {
  VSECM_ASSIGN_OR_RETURN(HttpReply reply,
                         impl_->Call(Method::kGet, std::string(kSentinelSecrets) + "?reveal=true",
                                     nullptr));
  return internal::DecodeEncryptedList(reply.body.Expose());
}

StatusOr<bool> SafeClient::KeystoneReady() {
  VSECM_ASSIGN_OR_RETURN(HttpReply reply, impl_->Call(Method::kGet, kKeystone, nullptr));
  return internal::DecodeKeystone(reply.body.Expose());
}

Status SafeClient::PostRootKey(const RootKeyParts& parts) {
  kernel::SecretBytes body = internal::EncodeRootKey(parts);
  return impl_->Call(Method::kPost, kSentinelKeys, &body).status();
}

StatusOr<std::string> SafeClient::EncryptOnly(const kernel::SecretBytes& value) {
  UpsertRequest request;
  request.value = value.Clone();
  request.encrypt = true;
  kernel::SecretBytes body = internal::EncodeUpsert(request);
  VSECM_ASSIGN_OR_RETURN(HttpReply reply, impl_->Call(Method::kPost, kSentinelSecrets, &body));
  std::string cipher(reply.body.ExposeText());
  while (!cipher.empty() && (cipher.back() == '\n' || cipher.back() == '\r')) cipher.pop_back();
  return cipher;
}

}  // namespace vsecm::client
