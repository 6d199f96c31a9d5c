// mmio.Mmio (PYNQ 3.1): register access through get_mmio grants. Errors travel as
// status=false + msg, which the 3.1 client raises as RuntimeError.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_MMIO_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_MMIO_SERVICE_H_

#include "mmio.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class MmioService final : public mmio::Mmio::Service {
 public:
  explicit MmioService(ServiceState& state) : state_(state) {}

  grpc::Status get_mmio(grpc::ServerContext* context, const mmio::GetMmioRequest* request,
                        mmio::GetMmioResponse* response) override;
  grpc::Status read(grpc::ServerContext* context, const mmio::ReadRequest* request,
                    mmio::ReadResponse* response) override;
  grpc::Status write(grpc::ServerContext* context, const mmio::WriteRequest* request,
                     mmio::WriteResponse* response) override;

 private:
  ServiceState& state_;
};

/// 3.1's int32 `data`: the low 32 bits, two's complement.
int32_t LowWordAsInt32(uint64_t value);

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_MMIO_SERVICE_H_
