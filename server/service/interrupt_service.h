// interrupt.RemoteInterrupt (PYNQ 4.0): served so the 4.0 client connects; every call
// answers UNIMPLEMENTED with the reason until the interrupts work lands.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_

#include "interrupt.grpc.pb.h"

namespace pynq_remote::service {

class InterruptService final : public interrupt::RemoteInterrupt::Service {
 public:
  grpc::Status register_interrupt(grpc::ServerContext* context,
                                  const interrupt::RegisterRequest* request,
                                  interrupt::RegisterResponse* response) override;
  grpc::Status wait_for_interrupt(grpc::ServerContext* context,
                                  const interrupt::WaitRequest* request,
                                  interrupt::WaitResponse* response) override;
  grpc::Status release_interrupt(grpc::ServerContext* context,
                                 const interrupt::ReleaseRequest* request,
                                 interrupt::ReleaseResponse* response) override;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_SERVICE_H_
