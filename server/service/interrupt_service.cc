#include "service/interrupt_service.h"

#include <string>

namespace pynq_remote::service {
namespace {

grpc::Status NotYet(const std::string& rpc) {
  return grpc::Status(grpc::StatusCode::UNIMPLEMENTED,
                      "interrupt." + rpc +
                          ": PL interrupts are not served by this pynq-remote-server yet; "
                          "poll the IP's status register instead");
}

}  // namespace

grpc::Status InterruptService::register_interrupt(grpc::ServerContext*,
                                                  const interrupt::RegisterRequest*,
                                                  interrupt::RegisterResponse*) {
  return NotYet("register_interrupt");
}

grpc::Status InterruptService::wait_for_interrupt(grpc::ServerContext*,
                                                  const interrupt::WaitRequest*,
                                                  interrupt::WaitResponse*) {
  return NotYet("wait_for_interrupt");
}

grpc::Status InterruptService::release_interrupt(grpc::ServerContext*,
                                                 const interrupt::ReleaseRequest*,
                                                 interrupt::ReleaseResponse*) {
  return NotYet("release_interrupt");
}

}  // namespace pynq_remote::service
