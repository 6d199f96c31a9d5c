// gpio.Gpio (PYNQ 4.0): the PS GPIO controller's pins (MIO and EMIO) in Linux numbering,
// through the Device seam. Ids are "gpio_N" (state/gpio_pins.h), charged to the caller's
// session and freed with it. Where 4.0's target logs an error and reads 0, this refuses:
// responses with a `message` field (get_gpio, read) carry the reason there with an OK status
// and no id or value; the others (write, unexport, get_gpio_npins) answer a non-OK status.
// Two answers keep 4.0's shape because the response has no room for a reason:
// is_exported of an unknown id is is_exported=false, and get_gpio_base_path with no such
// chip is "" (the reason goes to the server log).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_

#include "gpio.grpc.pb.h"
#include "service/service_state.h"

namespace pynq_remote::service {

class GpioService final : public gpio::Gpio::Service {
 public:
  explicit GpioService(ServiceState& state) : state_(state) {}

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

 private:
  ServiceState& state_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_GPIO_SERVICE_H_
