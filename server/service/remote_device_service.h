// remote_device.RemoteDevice (PYNQ 3.1): files in the target root, the fpga_manager view,
// bitstream download and PL clocks.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_REMOTE_DEVICE_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_REMOTE_DEVICE_SERVICE_H_

#include "remote_device.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class RemoteDeviceService final : public remote_device::RemoteDevice::Service {
 public:
  explicit RemoteDeviceService(ServiceState& state) : state_(state) {}

  grpc::Status set_bitstream_attrs(grpc::ServerContext* context,
                                   const remote_device::SetBitstreamAttrsRequest* request,
                                   remote_device::SetBitstreamAttrsResponse* response) override;
  grpc::Status download(grpc::ServerContext* context,
                        grpc::ServerReader<remote_device::DownloadRequest>* reader,
                        remote_device::DownloadResponse* response) override;
  grpc::Status set_pl_clk(grpc::ServerContext* context,
                          const remote_device::SetPlClkRequest* request,
                          remote_device::SetPlClkResponse* response) override;
  grpc::Status shutdown(grpc::ServerContext* context, const remote_device::ShutdownRequest* request,
                        remote_device::ShutdownResponse* response) override;
  grpc::Status readfile(grpc::ServerContext* context, const remote_device::ReadFileRequest* request,
                        grpc::ServerWriter<remote_device::ReadFileResponse>* writer) override;
  grpc::Status writefile(grpc::ServerContext* context,
                         grpc::ServerReader<remote_device::WriteFileRequest>* reader,
                         remote_device::WriteFileResponse* response) override;
  grpc::Status existsfile(grpc::ServerContext* context,
                          const remote_device::ExistsFileRequest* request,
                          remote_device::ExistsFileResponse* response) override;

 private:
  ServiceState& state_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_REMOTE_DEVICE_SERVICE_H_
