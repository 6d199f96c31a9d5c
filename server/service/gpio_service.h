// gpio.Gpio (PYNQ 4.0): served so the 4.0 client connects; every call answers
// UNIMPLEMENTED with the reason until the GPIO work lands.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_

#include "gpio.grpc.pb.h"

namespace pynq_remote::service {

class GpioService final : public gpio::Gpio::Service {
 public:
  grpc::Status get_gpio(grpc::ServerContext* context, const gpio::GetGpioRequest* request,
                        gpio::GetGpioResponse* response) override;
  grpc::Status read(grpc::ServerContext* context, const gpio::GpioReadRequest* request,
                    gpio::GpioReadResponse* response) override;
  grpc::Status write(grpc::ServerContext* context, const gpio::GpioWriteRequest* request,
                     gpio::GpioWriteResponse* response) override;
  grpc::Status unexport(grpc::ServerContext* context, const gpio::GpioUnexportRequest* request,
                        gpio::GpioUnexportResponse* response) override;
  grpc::Status is_exported(grpc::ServerContext* context, const gpio::GpioIsExportedRequest* request,
                           gpio::GpioIsExportedResponse* response) override;
  grpc::Status get_gpio_base_path(grpc::ServerContext* context,
                                  const gpio::GetGpioBasePathRequest* request,
                                  gpio::GetGpioBasePathResponse* response) override;
  grpc::Status get_gpio_npins(grpc::ServerContext* context,
                              const gpio::GetGpioNPinsRequest* request,
                              gpio::GetGpioNPinsResponse* response) override;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_
