#include "service/gpio_service.h"

#include <string>

namespace pynq_remote::service {
namespace {

grpc::Status NotYet(const std::string& rpc) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "gpio." + rpc +
                          ": PS GPIO/EMIO pins are not served by this "
                          "pynq-remote-server yet");
}

}  // namespace

grpc::Status GpioService::get_gpio(grpc::ServerContext*, const gpio::GetGpioRequest*,
                                   gpio::GetGpioResponse*) {
  return NotYet("get_gpio");
}

grpc::Status GpioService::read(grpc::ServerContext*, const gpio::GpioReadRequest*,
                               gpio::GpioReadResponse*) {
  return NotYet("read");
}

grpc::Status GpioService::write(grpc::ServerContext*, const gpio::GpioWriteRequest*,
                                gpio::GpioWriteResponse*) {
  return NotYet("write");
}

grpc::Status GpioService::unexport(grpc::ServerContext*, const gpio::GpioUnexportRequest*,
                                   gpio::GpioUnexportResponse*) {
  return NotYet("unexport");
}

grpc::Status GpioService::is_exported(grpc::ServerContext*, const gpio::GpioIsExportedRequest*,
                                      gpio::GpioIsExportedResponse*) {
  return NotYet("is_exported");
}

grpc::Status GpioService::get_gpio_base_path(grpc::ServerContext*,
                                             const gpio::GetGpioBasePathRequest*,
                                             gpio::GetGpioBasePathResponse*) {
  return NotYet("get_gpio_base_path");
}

grpc::Status GpioService::get_gpio_npins(grpc::ServerContext*, const gpio::GetGpioNPinsRequest*,
                                         gpio::GetGpioNPinsResponse*) {
  return NotYet("get_gpio_npins");
}

}  // namespace pynq_remote::service
