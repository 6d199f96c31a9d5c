// buffer.RemoteBuffer (PYNQ 3.1): physically contiguous buffers. Unary errors travel in
// `msg`; read errors as a gRPC status (the 3.1 client ignores `msg` on reads).
//
// The service registers its methods itself (the generated RemoteBuffer::Service would parse
// each write chunk into a std::string): `write` takes the serialized messages as gRPC
// received them, and copies each chunk's bytes from those slices straight into the buffer;
// `read` copies the buffer's bytes once, into the slice gRPC sends.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_

#include "buffer.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class BufferService final : public grpc::Service {
 public:
  explicit BufferService(ServiceState& state);

  grpc::Status allocate(grpc::ServerContext* context, const buffer::AllocateRequest* request,
                        buffer::AllocateResponse* response);
  /// Each message a serialized BufferWriteRequest (the wire format buffer.proto defines).
  grpc::Status write(grpc::ServerContext* context, grpc::ServerReader<grpc::ByteBuffer>* reader,
                     buffer::BufferWriteResponse* response);
  /// Each message a serialized BufferReadResponse.
  grpc::Status read(grpc::ServerContext* context, const buffer::BufferReadRequest* request,
                    grpc::ServerWriter<grpc::ByteBuffer>* writer);
  grpc::Status freebuffer(grpc::ServerContext* context, const buffer::FreeBufferRequest* request,
                          buffer::FreeBufferResponse* response);
  grpc::Status flush(grpc::ServerContext* context, const buffer::FlushRequest* request,
                     buffer::FlushResponse* response);
  grpc::Status invalidate(grpc::ServerContext* context, const buffer::InvalidateRequest* request,
                          buffer::InvalidateResponse* response);
  grpc::Status physical_address(grpc::ServerContext* context, const buffer::AddressRequest* request,
                                buffer::AddressResponse* response);
  grpc::Status virtual_address(grpc::ServerContext* context, const buffer::AddressRequest* request,
                               buffer::AddressResponse* response);
  grpc::Status cacheable(grpc::ServerContext* context, const buffer::CacheableRequest* request,
                         buffer::CacheableResponse* response);

 private:
  template <typename Request, typename Response>
  void AddUnary(const char* name, grpc::Status (BufferService::*method)(grpc::ServerContext*,
                                                                        const Request*, Response*));

  ServiceState& state_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_
