#include "watch_loop.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "api_codec.hpp"

namespace vsecm::client {

struct SecretWatch::State {
  std::unique_ptr<internal::Transport> transport;
  WatchCallback on_change;
  ErrorCallback on_error;
  WatchOptions options;

  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::atomic<uint64_t> polls{0};
  std::atomic<uint64_t> changes{0};
  kernel::SecretBytes last;  // the data last delivered
  bool delivered = false;
  std::thread thread;

  StatusOr<WorkloadSecret> Poll() {
    StatusOr<internal::HttpReply> reply =
        transport->Exchange(internal::Method::kGet, "/workload/v1/secrets", nullptr);
    if (!reply.ok()) return reply.status();
    VSECM_RETURN_IF_ERROR(internal::StatusFromReply(*reply));
    return internal::DecodeWorkloadSecret(reply->body.Expose());
  }

  void Run() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      lock.unlock();
      StatusOr<WorkloadSecret> secret = Poll();
      polls.fetch_add(1);
      lock.lock();
      if (stopping) break;
      lock.unlock();
      if (secret.ok()) {
        // Equals compares in constant time, so the poll's timing says nothing of the data.
        const bool changed = !delivered || last.size() != secret->data.size() ||
                             !last.Equals(secret->data.Expose());
        if (changed) {
          last = secret->data.Clone();
          delivered = true;
          changes.fetch_add(1);
          if (on_change) on_change(*secret);
        }
      } else if (on_error) {
        on_error(secret.status());
      }
      lock.lock();
      wake.wait_for(lock, options.poll_interval, [this] { return stopping; });
    }
  }
};

SecretWatch::SecretWatch(std::shared_ptr<State> state) : state_(std::move(state)) {}

SecretWatch::~SecretWatch() { Stop(); }

void SecretWatch::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  state_->transport->Interrupt();
  if (!state_->thread.joinable()) return;
  if (state_->thread.get_id() != std::this_thread::get_id()) {
    state_->thread.join();
  } else {
    // Stopped from one of its own callbacks: the thread ends after that callback returns and
    // keeps the state alive until then.
    state_->thread.detach();
  }
}

uint64_t SecretWatch::polls() const { return state_->polls.load(); }
uint64_t SecretWatch::changes() const { return state_->changes.load(); }

namespace internal {

std::unique_ptr<SecretWatch> StartWatch(const TransportConfig& config,
                                        std::shared_ptr<TlsContext> tls, WatchCallback on_change,
                                        ErrorCallback on_error, WatchOptions options) {
  auto state = std::make_shared<SecretWatch::State>();
  state->transport = std::make_unique<Transport>(config, std::move(tls));
  state->on_change = std::move(on_change);
  state->on_error = std::move(on_error);
  state->options = options;
  state->thread = std::thread([self = state] { self->Run(); });
  return std::make_unique<SecretWatch>(std::move(state));
}

}  // namespace internal
}  // namespace vsecm::client
