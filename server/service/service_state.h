// The shared state (state/shared_state.h) plus what only gRPC calls need: the watchdog that
// ends idle streams and the list of long-lived streams a shutdown ends at once. Handlers hold
// this; what they call in state/ takes the SharedState inside it.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_SERVICE_STATE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_SERVICE_STATE_H_

#include <utility>

#include "service/idle_streams.h"
#include "service/stream_guard.h"
#include "state/shared_state.h"

namespace pynq_remote::service {

struct ServiceState : SharedState {
  ServiceState(Device& device, RootFs root, ServiceOptions options)
      : SharedState(device, std::move(root), std::move(options)),
        watchdog(this->options.limits.stream_idle) {}

  StreamWatchdog watchdog;
  IdleStreams idle_streams;  // sessions and reflection: ended at once at shutdown
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_SERVICE_STATE_H_
