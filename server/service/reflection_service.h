// gRPC server reflection (grpc.reflection.v1alpha and v1) on gRPC's async API, on the server's
// queue (async_queue.h). gRPC 1.51's own reflection service is a sync service: every open
// stream holds a server thread, and reflection needs no token, so anyone who can connect
// could grow the server by a thread per silent stream. Here an idle stream costs no thread.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_REFLECTION_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_REFLECTION_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "service/async_queue.h"
#include "service/idle_streams.h"

namespace pynq_remote::service {

/// Answers from the process's generated descriptor pool: every .proto compiled into the
/// binary, with its transitive dependencies.
class ReflectionService {
 public:
  /// `service_names`: the full names of the other services the server registers (e.g.
  /// "mmio.Mmio", "grpc.health.v1.Health"); list_services answers them, then the two
  /// reflection services. gRPC 1.51 cannot list a server's services, hence the list.
  /// `idle`, when given, tracks the open streams so that shutdown ends them at once.
  explicit ReflectionService(std::vector<std::string> service_names, IdleStreams* idle = nullptr);
  ~ReflectionService();
  // The registered services point into this object.
  ReflectionService(const ReflectionService&) = delete;
  ReflectionService& operator=(const ReflectionService&) = delete;

  /// Registers both versions, their calls to run on `queue` (added to `builder` by its
  /// owner); stop the queue (AsyncQueue::Stop) before destroying this object.
  void RegisterWith(grpc::ServerBuilder& builder, AsyncQueue& queue);

  /// What list_services answers, in order, each name once.
  const std::vector<std::string>& service_names() const { return service_names_; }

 private:
  std::vector<std::string> service_names_;
  std::unique_ptr<grpc::Service> v1alpha_;  // the AsyncServices of both versions
  std::unique_ptr<grpc::Service> v1_;
  IdleStreams* idle_ = nullptr;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_REFLECTION_SERVICE_H_
