#include "vsecm/identity/workload_api.hpp"

#include <grpcpp/grpcpp.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "quote.hpp"
#include "workload.grpc.pb.h"

namespace vsecm::identity {
namespace {

// Why the stream ended, in words an operator can act on. SPIRE's agent ends it with
// PERMISSION_DENIED "no identity issued" when no registration entry selects the caller: that is
// a missing entry, not a broken agent, and an entry created later is picked up on reconnecting.
std::string StreamEndReason(const grpc::Status& finished) {
  const auto code = finished.error_code();
  if (code == grpc::StatusCode::PERMISSION_DENIED) {
    return "the workload api issued no identity to this process (" + finished.error_message() +
           ": no registration entry selects it; create one for its selectors); retrying";
  }
  static constexpr const char* kNames[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  const int n = static_cast<int>(code);
  const std::string name = n >= 0 && n < static_cast<int>(std::size(kNames))
                               ? kNames[n]
                               : "grpc code " + std::to_string(n);
  return "workload api stream ended (" + name + ": " + finished.error_message() +
         "); reconnecting";
}

std::span<const uint8_t> Bytes(const std::string& s) {
  return std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Protobuf keeps the key in an ordinary string; wipe it as soon as we hold our copy.
void WipeKeys(X509SVIDResponse* response) {
  for (X509SVID& svid : *response->mutable_svids()) {
    std::string* key = svid.mutable_x509_svid_key();
    OPENSSL_cleanse(key->data(), key->size());
  }
}

StatusOr<IdentitySnapshot> SnapshotFrom(const X509SVIDResponse& response, const std::string& hint) {
  if (response.svids_size() == 0) return InvalidArgument("the response carries no SVID");
  const X509SVID* chosen = &response.svids(0);
  if (!hint.empty()) {
    auto it = std::find_if(response.svids().begin(), response.svids().end(),
                           [&](const X509SVID& s) { return s.hint() == hint; });
    if (it == response.svids().end()) {
      return NotFound("no SVID has the hint " + internal::Quote(hint));
    }
    chosen = &*it;
  }
  VSECM_ASSIGN_OR_RETURN(std::vector<X509Ptr> chain,
                         ParseDerCertificates(Bytes(chosen->x509_svid()), "x509_svid"));
  VSECM_ASSIGN_OR_RETURN(std::vector<X509Ptr> bundle,
                         ParseDerCertificates(Bytes(chosen->bundle()), "bundle"));
  kernel::SecretBytes key = kernel::SecretBytes::CopyOf(Bytes(chosen->x509_svid_key()));
  VSECM_ASSIGN_OR_RETURN(
      IdentitySnapshot snapshot,
      IdentitySnapshot::Create(std::move(chain), std::move(key), std::move(bundle)));
  if (snapshot.id().str() != chosen->spiffe_id()) {
    return InvalidArgument("spiffe_id " + internal::Quote(chosen->spiffe_id()) +
                           " differs from the certificate's " +
                           internal::Quote(snapshot.id().str()));
  }
  return snapshot;
}

}  // namespace

StatusOr<std::string> WorkloadApiTarget(const std::string& address) {
  if (address.find_first_of("?#") != std::string::npos) {
    return InvalidArgument("workload api address " + internal::Quote(address) +
                           ": a query or fragment is not allowed");
  }
  if (address.rfind("unix:", 0) == 0) {
    std::string path = address.substr(5);
    if (path.rfind("//", 0) == 0) {
      path = path.substr(2);
      if (path.empty() || path.front() != '/') {
        return InvalidArgument("workload api address " + internal::Quote(address) +
                               ": expected unix:///absolute/path (no host)");
      }
    }
    if (path.empty() || path.front() != '/' || path.size() == 1) {
      return InvalidArgument("workload api address " + internal::Quote(address) +
                             ": the socket path must be absolute");
    }
    return "unix://" + path;
  }
  if (address.rfind("tcp://", 0) == 0) {
    const std::string host_port = address.substr(6);
    if (host_port.find('/') != std::string::npos && host_port.find('/') != host_port.size() - 1) {
      return InvalidArgument("workload api address " + internal::Quote(address) +
                             ": a path is not allowed");
    }
    const std::string hp =
        host_port.back() == '/' ? host_port.substr(0, host_port.size() - 1) : host_port;
    if (!hp.empty() && hp.front() == '[') return "ipv6:" + hp;
    const size_t colon = hp.rfind(':');
    const std::string host = hp.substr(0, colon);
    if (colon == std::string::npos || host.empty() ||
        host.find_first_not_of("0123456789.") != std::string::npos) {
      return InvalidArgument("workload api address " + internal::Quote(address) +
                             ": expected tcp://IP:PORT");
    }
    return "ipv4:" + hp;
  }
  return InvalidArgument("workload api address " + internal::Quote(address) +
                         ": the scheme must be unix or tcp");
}

struct WorkloadApiSource::State {
  WorkloadApiOptions options;
  std::string target;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  grpc::ClientContext* active = nullptr;  // the stream to cancel on stop
  std::thread thread;
};

StatusOr<std::unique_ptr<WorkloadApiSource>> WorkloadApiSource::Open(WorkloadApiOptions options) {
  auto state = std::make_unique<State>();
  VSECM_ASSIGN_OR_RETURN(state->target, WorkloadApiTarget(options.address));
  if (options.initial_backoff.count() <= 0 || options.max_backoff < options.initial_backoff) {
    return InvalidArgument("workload api backoff must be positive and max >= initial");
  }
  state->options = std::move(options);
  std::unique_ptr<WorkloadApiSource> source(new WorkloadApiSource(std::move(state)));
  source->state_->thread = std::thread([s = source.get()] { s->Run(); });
  return source;
}

WorkloadApiSource::WorkloadApiSource(std::unique_ptr<State> state) : state_(std::move(state)) {}

WorkloadApiSource::~WorkloadApiSource() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stop = true;
    if (state_->active != nullptr) state_->active->TryCancel();
  }
  state_->wake.notify_all();
  if (state_->thread.joinable()) state_->thread.join();
}

std::string WorkloadApiSource::Describe() const {
  return "workload api at " + state_->options.address;
}

void WorkloadApiSource::Run() {
  std::chrono::milliseconds backoff = state_->options.initial_backoff;
  while (true) {
    // A channel per attempt. One channel for the source's lifetime keeps gRPC's own reconnect
    // back-off (up to 120 s by default), during which every stream fails at once with the last
    // connect error: against a real SPIRE agent that was down for a minute, the Safe found the
    // restarted agent only about 50 s after it was back, well past our max_backoff.
    const std::shared_ptr<grpc::Channel> channel =
        grpc::CreateChannel(state_->target, grpc::InsecureChannelCredentials());
    const std::unique_ptr<SpiffeWorkloadAPI::Stub> stub = SpiffeWorkloadAPI::NewStub(channel);
    grpc::ClientContext context;
    context.AddMetadata("workload.spiffe.io", "true");  // required by the spec
    {
      std::lock_guard lock(state_->mutex);
      if (state_->stop) return;
      state_->active = &context;
    }
    std::unique_ptr<grpc::ClientReader<X509SVIDResponse>> reader =
        stub->FetchX509SVID(&context, X509SVIDRequest());
    X509SVIDResponse response;
    while (reader->Read(&response)) {
      StatusOr<IdentitySnapshot> snapshot = SnapshotFrom(response, state_->options.hint);
      WipeKeys(&response);
      response.Clear();
      if (snapshot.ok()) {
        Publish(std::move(snapshot).value());
        backoff = state_->options.initial_backoff;
      } else {
        ReportError(snapshot.status().WithContext("workload api update refused"));
      }
    }
    const grpc::Status finished = reader->Finish();
    std::unique_lock lock(state_->mutex);
    state_->active = nullptr;
    if (state_->stop) return;
    lock.unlock();
    ReportError(Unavailable(StreamEndReason(finished)));
    lock.lock();
    if (state_->wake.wait_for(lock, backoff, [&] { return state_->stop; })) return;
    backoff = std::min(backoff * 2, state_->options.max_backoff);
  }
}

}  // namespace vsecm::identity
