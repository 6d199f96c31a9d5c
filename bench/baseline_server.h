// The bare gRPC baseline service: the transport cost with no device behind it.
#ifndef PYNQ_REMOTE_BENCH_BASELINE_SERVER_H_
#define PYNQ_REMOTE_BENCH_BASELINE_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

namespace pynq_remote::bench {

/// Starts the baseline service on `address` (HOST:PORT; port 0 picks one). Returns the
/// server and writes the bound port.
std::unique_ptr<grpc::Server> StartBaselineServer(const std::string& address, int* port);

}  // namespace pynq_remote::bench

#endif  // PYNQ_REMOTE_BENCH_BASELINE_SERVER_H_
