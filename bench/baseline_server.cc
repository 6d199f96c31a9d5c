#include "baseline_server.h"

#include <string>

#include "baseline.grpc.pb.h"

namespace pynq_remote::bench {
namespace {

class BaselineImpl final : public Baseline::Service {
 public:
  grpc::Status Echo(grpc::ServerContext*, const Word* request, Word* reply) override {
    reply->set_value(request->value());
    return grpc::Status::OK;
  }

  grpc::Status Up(grpc::ServerContext*, grpc::ServerReader<Chunk>* reader, Size* reply) override {
    Chunk chunk;
    uint64_t total = 0;
    while (reader->Read(&chunk)) total += chunk.data().size();
    reply->set_total(total);
    return grpc::Status::OK;
  }

  grpc::Status Down(grpc::ServerContext*, const Size* request,
                    grpc::ServerWriter<Chunk>* writer) override {
    const uint64_t chunk_size = request->chunk_size() ? request->chunk_size() : (2u << 20);
    Chunk chunk;
    for (uint64_t sent = 0; sent < request->total(); sent += chunk_size) {
      // One resize per chunk mirrors a real read filling a fresh message each time.
      chunk.mutable_data()->assign(std::min(chunk_size, request->total() - sent), '\x5a');
      if (!writer->Write(chunk)) break;
    }
    return grpc::Status::OK;
  }
};

}  // namespace

std::unique_ptr<grpc::Server> StartBaselineServer(const std::string& address, int* port) {
  static BaselineImpl service;  // outlives every server started from it
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), port);
  builder.SetMaxReceiveMessageSize(64 << 20);
  builder.SetMaxSendMessageSize(64 << 20);
  builder.RegisterService(&service);
  return builder.BuildAndStart();
}

}  // namespace pynq_remote::bench
