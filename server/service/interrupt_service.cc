#include "service/interrupt_service.h"

#include <string>

#include "service/error_mapping.h"

namespace pynq_remote::service {
namespace {

grpc::Status NotYet(grpc::ServerContext* context, const std::string& rpc) {
  return ToGrpcStatus(
      context, MakeError(ErrorCode::kUnsupported,
                         "interrupt." + rpc +
                             ": PL interrupts are not served by this pynq-remote-server yet; "
                             "poll the IP's status register instead"));
}

}  // namespace

grpc::Status InterruptService::register_interrupt(grpc::ServerContext* context,
                                                  const interrupt::RegisterRequest*,
                                                  interrupt::RegisterResponse*) {
  return NotYet(context, "register_interrupt");
}

grpc::Status InterruptService::wait_for_interrupt(grpc::ServerContext* context,
                                                  const interrupt::WaitRequest*,
                                                  interrupt::WaitResponse*) {
  return NotYet(context, "wait_for_interrupt");
}

grpc::Status InterruptService::release_interrupt(grpc::ServerContext* context,
                                                 const interrupt::ReleaseRequest*,
                                                 interrupt::ReleaseResponse*) {
  return NotYet(context, "release_interrupt");
}

}  // namespace pynq_remote::service
