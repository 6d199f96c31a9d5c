// pynq_remote.v1.Session: the Attach stream that keeps a client's session alive. Served on
// gRPC's async API (async_queue.h), so an open session costs no thread: thousands of idle
// clients must not exhaust the sync server's pool.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_SESSION_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_SESSION_SERVICE_H_

#include <functional>
#include <string>

#include "pynq_remote/v1/session.grpc.pb.h"
#include "service/async_queue.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class SessionService final : public ::pynq_remote::v1::Session::AsyncService {
 public:
  /// `on_detach` runs whenever a session's stream ends (the reaper's wake-up).
  SessionService(ServiceState& state, std::function<void()> on_detach)
      : state_(state), on_detach_(std::move(on_detach)) {}

  /// On `queue`'s thread once the server has started: waits for the first Attach.
  void Start(AsyncQueue& queue);

 private:
  ServiceState& state_;
  std::function<void()> on_detach_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_SESSION_SERVICE_H_
