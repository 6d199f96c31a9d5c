#include "service/interrupt_service.h"

#include <mutex>
#include <string>

#include "service/caller.h"

namespace pynq_remote::service {
namespace {

// One wait_for_interrupt. The hub calls Complete exactly once (possibly from inside Start);
// gRPC calls OnDone only after Finish and after any OnCancel has returned.
class WaitReactor final : public grpc::ServerUnaryReactor {
 public:
  WaitReactor(InterruptHub& hub, grpc::CallbackServerContext* context,
              interrupt::WaitResponse* response)
      : hub_(hub), context_(context), response_(response) {}

  void Start(const std::string& caller, const interrupt::WaitRequest& request) {
    const uint64_t ticket = hub_.Wait(caller, request.interrupt_id(), request.timeout_ms(),
                                      [this](const IrqWaitOutcome& outcome) { Complete(outcome); });
    bool cancelled;
    {
      std::lock_guard<std::mutex> lock(mu_);
      ticket_ = ticket;
      cancelled = cancelled_;
    }
    // Cancelled before the ticket was known: OnCancel could not end it.
    if (cancelled && ticket != 0) hub_.CancelWait(ticket, "the client cancelled the wait");
  }

  void OnCancel() override {
    uint64_t ticket;
    {
      std::lock_guard<std::mutex> lock(mu_);
      cancelled_ = true;
      ticket = ticket_;
    }
    if (ticket != 0) hub_.CancelWait(ticket, "the client cancelled the wait");
  }

  void OnDone() override { delete this; }

 private:
  void Complete(const IrqWaitOutcome& outcome) {
    switch (outcome.kind) {
      case IrqWaitOutcome::Kind::kFired:
        response_->set_status(interrupt::WaitResponse::FIRED);
        context_->AddTrailingMetadata(kIrqSimPsMetadataKey, std::to_string(outcome.sim_ps));
        Finish(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kTimeout:
        response_->set_status(interrupt::WaitResponse::TIMEOUT);
        Finish(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kError:
        response_->set_status(interrupt::WaitResponse::ERROR);
        response_->set_msg(outcome.message);
        Finish(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kCancelled:
        Finish(grpc::Status(grpc::StatusCode::CANCELLED, outcome.message));
        return;
    }
  }

  InterruptHub& hub_;
  grpc::CallbackServerContext* context_;
  interrupt::WaitResponse* response_;
  std::mutex mu_;  // guards ticket_, cancelled_: Start and OnCancel may race
  uint64_t ticket_ = 0;
  bool cancelled_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* InterruptService::register_interrupt(
    grpc::CallbackServerContext* context, const interrupt::RegisterRequest* request,
    interrupt::RegisterResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  Result<std::string> id =
      caller.ok()
          ? hub_.Register(caller.value(),
                          IrqRegistration{request->pin_name(), request->pin_index(),
                                          request->raw_irq(), request->controller_phys_addr()})
          : Result<std::string>(caller.error());
  if (id.ok()) {
    response->set_interrupt_id(id.value());
  } else {
    response->set_msg(id.error().message);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* InterruptService::wait_for_interrupt(
    grpc::CallbackServerContext* context, const interrupt::WaitRequest* request,
    interrupt::WaitResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  if (!caller.ok()) {
    response->set_status(interrupt::WaitResponse::ERROR);
    response->set_msg(caller.error().message);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  auto* reactor = new WaitReactor(hub_, context, response);
  reactor->Start(caller.value(), *request);
  return reactor;
}

grpc::ServerUnaryReactor* InterruptService::release_interrupt(
    grpc::CallbackServerContext* context, const interrupt::ReleaseRequest* request,
    interrupt::ReleaseResponse* response) {
  Result<std::string> caller = CallerSession(context, state_.sessions);
  Status released =
      caller.ok() ? hub_.Release(caller.value(), request->interrupt_id()) : Status(caller.error());
  if (!released.ok()) response->set_msg(released.error().message);
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace pynq_remote::service
