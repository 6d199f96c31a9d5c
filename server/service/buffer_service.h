// buffer.RemoteBuffer (PYNQ 3.1): physically contiguous buffers. Unary errors travel in
// `msg`; read errors as a gRPC status (the 3.1 client ignores `msg` on reads).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_

#include "buffer.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class BufferService final : public buffer::RemoteBuffer::Service {
 public:
  explicit BufferService(ServiceState& state) : state_(state) {}

  grpc::Status allocate(grpc::ServerContext* context, const buffer::AllocateRequest* request,
                        buffer::AllocateResponse* response) override;
  grpc::Status write(grpc::ServerContext* context,
                     grpc::ServerReader<buffer::BufferWriteRequest>* reader,
                     buffer::BufferWriteResponse* response) override;
  grpc::Status read(grpc::ServerContext* context, const buffer::BufferReadRequest* request,
                    grpc::ServerWriter<buffer::BufferReadResponse>* writer) override;
  grpc::Status freebuffer(grpc::ServerContext* context, const buffer::FreeBufferRequest* request,
                          buffer::FreeBufferResponse* response) override;
  grpc::Status flush(grpc::ServerContext* context, const buffer::FlushRequest* request,
                     buffer::FlushResponse* response) override;
  grpc::Status invalidate(grpc::ServerContext* context, const buffer::InvalidateRequest* request,
                          buffer::InvalidateResponse* response) override;
  grpc::Status physical_address(grpc::ServerContext* context, const buffer::AddressRequest* request,
                                buffer::AddressResponse* response) override;
  grpc::Status virtual_address(grpc::ServerContext* context, const buffer::AddressRequest* request,
                               buffer::AddressResponse* response) override;
  grpc::Status cacheable(grpc::ServerContext* context, const buffer::CacheableRequest* request,
                         buffer::CacheableResponse* response) override;

 private:
  ServiceState& state_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_BUFFER_SERVICE_H_
