// A running watch on a workload's secret (SafeClient::Watch). Stop() or the destructor ends
// it: the poll in flight is cut short and no callback runs after Stop() returns.
#ifndef VSECM_CLIENT_WATCH_HPP_
#define VSECM_CLIENT_WATCH_HPP_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "vsecm/client/types.hpp"
#include "vsecm/sdk/status.hpp"

namespace vsecm::client {

using WatchCallback = std::function<void(const WorkloadSecret&)>;
using ErrorCallback = std::function<void(const Status&)>;

struct WatchOptions {
  std::chrono::milliseconds poll_interval{20000};  // VSECM_SIDECAR_POLL_INTERVAL's default
};

class SecretWatch {
 public:
  struct State;
  explicit SecretWatch(std::shared_ptr<State> state);
  ~SecretWatch();
  SecretWatch(const SecretWatch&) = delete;
  SecretWatch& operator=(const SecretWatch&) = delete;

  // Idempotent; must not be called from inside a callback.
  void Stop();
  // Polls done so far, and how many delivered a changed secret.
  uint64_t polls() const;
  uint64_t changes() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace vsecm::client

#endif  // VSECM_CLIENT_WATCH_HPP_
