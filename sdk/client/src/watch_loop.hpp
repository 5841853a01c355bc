// The thread behind SafeClient::Watch: polls on a connection of its own, so Stop() can cut the
// poll in flight short without disturbing the client's other calls.
#ifndef VSECM_CLIENT_SRC_WATCH_LOOP_HPP_
#define VSECM_CLIENT_SRC_WATCH_LOOP_HPP_

#include <memory>

#include "transport.hpp"
#include "vsecm/client/watch.hpp"

namespace vsecm::client::internal {

std::unique_ptr<SecretWatch> StartWatch(const TransportConfig& config,
                                        std::shared_ptr<TlsContext> tls, WatchCallback on_change,
                                        ErrorCallback on_error, WatchOptions options);

}  // namespace vsecm::client::internal

#endif  // VSECM_CLIENT_SRC_WATCH_LOOP_HPP_
