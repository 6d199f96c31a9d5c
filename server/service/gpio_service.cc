#include "service/gpio_service.h"

#include <string>

#include "service/error_mapping.h"

namespace pynq_remote::service {
namespace {

grpc::Status NotYet(grpc::ServerContext* context, const std::string& rpc) {
  return ToGrpcStatus(
      context, MakeError(ErrorCode::kUnsupported, "gpio." + rpc +
                                                      ": PS GPIO/EMIO pins are not served by this "
                                                      "pynq-remote-server yet"));
}

}  // namespace

grpc::Status GpioService::get_gpio(grpc::ServerContext* context, const gpio::GetGpioRequest*,
                                   gpio::GetGpioResponse*) {
  return NotYet(context, "get_gpio");
}

grpc::Status GpioService::read(grpc::ServerContext* context, const gpio::GpioReadRequest*,
                               gpio::GpioReadResponse*) {
  return NotYet(context, "read");
}

grpc::Status GpioService::write(grpc::ServerContext* context, const gpio::GpioWriteRequest*,
                                gpio::GpioWriteResponse*) {
  return NotYet(context, "write");
}

grpc::Status GpioService::unexport(grpc::ServerContext* context, const gpio::GpioUnexportRequest*,
                                   gpio::GpioUnexportResponse*) {
  return NotYet(context, "unexport");
}

grpc::Status GpioService::is_exported(grpc::ServerContext* context,
                                      const gpio::GpioIsExportedRequest*,
                                      gpio::GpioIsExportedResponse*) {
  return NotYet(context, "is_exported");
}

grpc::Status GpioService::get_gpio_base_path(grpc::ServerContext* context,
                                             const gpio::GetGpioBasePathRequest*,
                                             gpio::GetGpioBasePathResponse*) {
  return NotYet(context, "get_gpio_base_path");
}

grpc::Status GpioService::get_gpio_npins(grpc::ServerContext* context,
                                         const gpio::GetGpioNPinsRequest*,
                                         gpio::GetGpioNPinsResponse*) {
  return NotYet(context, "get_gpio_npins");
}

}  // namespace pynq_remote::service
