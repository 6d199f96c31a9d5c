// The service tests' server: Services registered on a gRPC server at 127.0.0.1 (a port the
// kernel picks), with a channel to it, as a client on the same machine reaches it.
#ifndef PYNQ_REMOTE_SERVER_TESTS_LOOPBACK_SERVER_H_
#define PYNQ_REMOTE_SERVER_TESTS_LOOPBACK_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "service/services.h"

namespace pynq_remote::testing {

struct LoopbackServer {
  std::unique_ptr<grpc::Server> server;    // null when it did not start
  std::shared_ptr<grpc::Channel> channel;  // null with it
};

inline LoopbackServer StartLoopbackServer(service::Services& services) {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  services.RegisterWith(builder);
  LoopbackServer started;
  started.server = builder.BuildAndStart();
  if (started.server == nullptr || port == 0) return {};
  started.channel =
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials());
  return started;
}

}  // namespace pynq_remote::testing

#endif  // PYNQ_REMOTE_SERVER_TESTS_LOOPBACK_SERVER_H_
