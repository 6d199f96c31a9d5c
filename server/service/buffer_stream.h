// The buffer read path, shared by buffer.RemoteBuffer and pynq_remote.v1.Board: chunks
// read from the Device straight into each message's bytes (no staging copy).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_BUFFER_STREAM_H_
#define PYNQ_REMOTE_SERVER_SERVICE_BUFFER_STREAM_H_

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <string>

#include "service/error_mapping.h"
#include "service/stream_guard.h"
#include "state/access.h"
#include "state/registry.h"

namespace pynq_remote::service {

/// Streams `range` of `buffer` in messages of at most kChunkBytes, each written through
/// `guard` (the idle watchdog). `mark(response, offset)` labels each message before it is
/// sent. Errors: as Device::MemRead; CANCELLED when the client goes away.
template <typename Response, typename Mark>
grpc::Status StreamBufferRange(grpc::ServerContext* context, Device& device,
                               const BufferEntry& buffer, ByteRange range,
                               grpc::ServerWriter<Response>* writer, StreamGuard& guard,
                               Mark mark) {
  Response response;
  std::string* data = response.mutable_data();
  for (uint64_t at = range.begin; at < range.end;) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, range.end - at));
    data->resize(n);
    Status status = device.MemRead(buffer.allocation.phys + at, data->data(), n);
    if (!status.ok()) return ToGrpcStatus(context, status.error());
    mark(response, at);
    if (!guard.Write(writer, response)) {
      return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
    }
    at += n;
  }
  return grpc::Status::OK;
}

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_BUFFER_STREAM_H_
