// grpc.health.v1.Health on gRPC's async API, on the server's queue (async_queue.h), in place
// of gRPC 1.51's default health service (grpc::EnableDefaultHealthCheckService), which is on
// the callback API: any callback method makes gRPC poll the sockets from threads of its own,
// and every sync call then pays a hand-off between threads.
//
// As the default service answers: Check("") is SERVING while the server runs and NOT_SERVING
// once it stops; any other name is NOT_FOUND. Watch sends the status and stays open (an
// unknown name is SERVICE_UNKNOWN); an open Watch holds no thread and ends at once when the
// server stops (IdleStreams).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_HEALTH_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_HEALTH_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>

#include "grpc/health/v1/health.grpc.pb.h"
#include "service/async_queue.h"
#include "service/idle_streams.h"

namespace pynq_remote::service {

class HealthService {
 public:
  /// `idle`, when given, tracks the open Watch streams so that shutdown ends them at once.
  explicit HealthService(IdleStreams* idle = nullptr);
  ~HealthService();
  HealthService(const HealthService&) = delete;
  HealthService& operator=(const HealthService&) = delete;

  /// Registers the service, its calls to run on `queue` (added to `builder` by its owner);
  /// stop the queue (AsyncQueue::Stop) before destroying this object.
  void RegisterWith(grpc::ServerBuilder& builder, AsyncQueue& queue);
  /// The server is stopping: Check answers NOT_SERVING from now on.
  void SetNotServing() { serving_ = false; }

 private:
  grpc::health::v1::Health::AsyncService service_;
  IdleStreams* const idle_;
  std::atomic<bool> serving_{true};
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_HEALTH_SERVICE_H_
