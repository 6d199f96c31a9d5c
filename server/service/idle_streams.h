// Async-API streams that wait on their clients for as long as the clients like: session
// Attach streams, server reflection and health Watch. They hold no thread, but
// grpc::Server::Shutdown would sit out its whole grace period for them, and SIGTERM must not
// wait for an idle client. They register here while open; at shutdown every one is ended at
// once.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_IDLE_STREAMS_H_
#define PYNQ_REMOTE_SERVER_SERVICE_IDLE_STREAMS_H_

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <set>

namespace pynq_remote::service {

class IdleStreams {
 public:
  /// A stream opened (its call has arrived). After EndAll, it is ended at once.
  void Add(grpc::ServerContextBase* context);
  /// The stream is done (before its context goes).
  void Remove(grpc::ServerContextBase* context);
  /// Ends every open stream, and every later one, with UNAVAILABLE saying the server stops.
  void EndAll();

 private:
  std::mutex mu_;  // guards open_ and ended_; held while a call is cancelled
  std::set<grpc::ServerContextBase*> open_;
  bool ended_ = false;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_IDLE_STREAMS_H_
