// Every service the server exposes, over one ServiceState (state/shared_state.h and what calls
// need); main and the tests build the gRPC server from this.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_SERVICES_H_
#define PYNQ_REMOTE_SERVER_SERVICE_SERVICES_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "service/async_queue.h"
#include "service/board_service.h"
#include "service/buffer_service.h"
#include "service/gpio_service.h"
#include "service/interrupt_hub.h"
#include "service/interrupt_service.h"
#include "service/inventory_service.h"
#include "service/mmio_service.h"
#include "service/remote_device_service.h"
#include "service/service_state.h"
#include "service/session_service.h"

namespace pynq_remote::service {

class Services {
 public:
  /// When populate_sim_root, fills the root as a simulated board's (PopulateSimRoot).
  /// Errors: as RootFs::Open and PopulateSimRoot.
  static Result<std::unique_ptr<Services>> Create(Device& device, const std::string& root_dir,
                                                  bool populate_sim_root, ServiceOptions options);

  /// Registers every service and sets the message size limits. The calls that wait (sessions,
  /// interrupt waits, MmioPoll) run on a queue of ours (async_queue.h), added to `builder`;
  /// destroy this object after grpc::Server::Shutdown and before the grpc::Server (gRPC's
  /// requests still pending on the queue point into the server).
  void RegisterWith(grpc::ServerBuilder& builder);
  /// The full names of the services RegisterWith registers (for server reflection).
  static std::vector<std::string> ServiceNames();

  /// The server is stopping (SIGTERM): every long call in progress ends now (Advance, waits,
  /// a bus access waiting out its timeout) and later ones end at once; short calls still
  /// finish. Call before grpc::Server::Shutdown, whose grace period they then fit in.
  void BeginShutdown();

  ServiceState& state() { return state_; }
  /// The queue of the server's long-lived calls (async_queue.h), for the other async
  /// services of the same server (reflection, health) to put theirs on.
  AsyncQueue& queue() { return queue_; }
  InterruptHub& interrupt_hub() { return interrupt_hub_; }
  BoardService& board_service() { return board_; }

 private:
  Services(Device& device, RootFs root, ServiceOptions options);

  ServiceState state_;
  RemoteDeviceService remote_device_{state_};
  MmioService mmio_{state_};
  BufferService buffer_{state_};
  BoardService board_{state_};
  InterruptHub interrupt_hub_{state_};
  InterruptService interrupt_{state_, interrupt_hub_};
  GpioService gpio_{state_};
  InventoryService inventory_{state_};
  // After state_: stopped before the state it frees from is destroyed.
  SessionReaper reaper_{state_.sessions, [this](const std::string& id) {
                          ReleaseSessionHandles(state_, id);
                          interrupt_hub_.ReleaseSession(id);
                          board_.ReleaseSession(id);
                        }};
  SessionService session_{state_, [this] { reaper_.Poke(); }};
  // Last: destroyed first, its thread joined while the services its calls use still exist.
  AsyncQueue queue_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_SERVICES_H_
