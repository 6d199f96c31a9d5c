// interrupt.RemoteInterrupt (PYNQ PR #1566's wire) over the InterruptHub, on gRPC's async API
// (async_queue.h): a wait holds no server thread, and a client that cancels, disconnects or
// dies ends its wait at once (gRPC reports the call done), not at the next poll.
//
// Failures are answered as that wire has them: register gives an empty interrupt_id and
// msg; wait gives ERROR and msg; release gives msg; each with an OK status. A wait ended by
// release, reprogramming, the client or the server stopping is gRPC CANCELLED with the
// reason. A FIRED wait carries the simulated time the line rose in trailing metadata.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_

#include "interrupt.grpc.pb.h"
#include "service/async_queue.h"
#include "service/interrupt_hub.h"
#include "service/service_state.h"

namespace pynq_remote::service {

/// Trailing metadata of a FIRED wait: decimal simulated ps when the PS line rose.
inline constexpr char kIrqSimPsMetadataKey[] = "pynq-remote-irq-sim-ps";

class InterruptService final : public interrupt::RemoteInterrupt::AsyncService {
 public:
  InterruptService(ServiceState& state, InterruptHub& hub) : state_(state), hub_(hub) {}

  /// On `queue`'s thread once the server has started: waits for the first calls.
  void Start(AsyncQueue& queue);

  ServiceState& state() { return state_; }
  InterruptHub& hub() { return hub_; }

 private:
  ServiceState& state_;
  InterruptHub& hub_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_
