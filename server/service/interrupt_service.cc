#include "service/interrupt_service.h"

#include <mutex>
#include <optional>
#include <string>

#include "service/caller.h"

namespace pynq_remote::service {
namespace {

class RegisterCall final
    : public AsyncUnaryCall<interrupt::RegisterRequest, interrupt::RegisterResponse> {
 public:
  RegisterCall(InterruptService& service, AsyncQueue& queue)
      : AsyncUnaryCall(queue), service_(service) {}

 private:
  void RequestCall() override {
    service_.Requestregister_interrupt(&context_, &request_, &responder_, queue_.cq(), queue_.cq(),
                                       arrived_tag());
  }
  void Spawn() override { (new RegisterCall(service_, queue_))->Listen(); }
  void Handle() override {
    Result<std::string> caller = CallerSession(&context_, service_.state().sessions);
    Result<std::string> id =
        caller.ok() ? service_.hub().Register(
                          caller.value(),
                          IrqRegistration{request_.pin_name(), request_.pin_index(),
                                          request_.raw_irq(), request_.controller_phys_addr()})
                    : Result<std::string>(caller.error());
    if (id.ok()) {
      response_.set_interrupt_id(id.value());
    } else {
      response_.set_msg(id.error().message);
    }
    Reply(grpc::Status::OK);
  }

  InterruptService& service_;
};

class ReleaseCall final
    : public AsyncUnaryCall<interrupt::ReleaseRequest, interrupt::ReleaseResponse> {
 public:
  ReleaseCall(InterruptService& service, AsyncQueue& queue)
      : AsyncUnaryCall(queue), service_(service) {}

 private:
  void RequestCall() override {
    service_.Requestrelease_interrupt(&context_, &request_, &responder_, queue_.cq(), queue_.cq(),
                                      arrived_tag());
  }
  void Spawn() override { (new ReleaseCall(service_, queue_))->Listen(); }
  void Handle() override {
    Result<std::string> caller = CallerSession(&context_, service_.state().sessions);
    Status released = caller.ok() ? service_.hub().Release(caller.value(), request_.interrupt_id())
                                  : Status(caller.error());
    if (!released.ok()) response_.set_msg(released.error().message);
    Reply(grpc::Status::OK);
  }

  InterruptService& service_;
};

// One wait_for_interrupt. The hub calls Complete exactly once, from its thread or from inside
// Wait or CancelWait; the outcome goes back to the queue's thread (Handoff), which answers.
class WaitCall final : public AsyncUnaryCall<interrupt::WaitRequest, interrupt::WaitResponse> {
 public:
  WaitCall(InterruptService& service, AsyncQueue& queue)
      : AsyncUnaryCall(queue), service_(service) {}

 private:
  void RequestCall() override {
    service_.Requestwait_for_interrupt(&context_, &request_, &responder_, queue_.cq(), queue_.cq(),
                                       arrived_tag());
  }
  void Spawn() override { (new WaitCall(service_, queue_))->Listen(); }

  void Handle() override {
    Result<std::string> caller = CallerSession(&context_, service_.state().sessions);
    if (!caller.ok()) {
      response_.set_status(interrupt::WaitResponse::ERROR);
      response_.set_msg(caller.error().message);
      Reply(grpc::Status::OK);
      return;
    }
    ticket_ = service_.hub().Wait(caller.value(), request_.interrupt_id(), request_.timeout_ms(),
                                  [this](const IrqWaitOutcome& outcome) { Complete(outcome); });
  }

  // The hub calls Complete at most once more (kCancelled, or what it had already decided).
  void Cancelled() override {
    if (ticket_ != 0) service_.hub().CancelWait(ticket_, "the client cancelled the wait");
  }

  void Complete(const IrqWaitOutcome& outcome) { outcome_.Put(outcome, queue_, &completed_tag_); }

  void Answer() {
    const IrqWaitOutcome outcome = outcome_.Take();
    switch (outcome.kind) {
      case IrqWaitOutcome::Kind::kFired:
        response_.set_status(interrupt::WaitResponse::FIRED);
        context_.AddTrailingMetadata(kIrqSimPsMetadataKey, std::to_string(outcome.sim_ps));
        Reply(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kTimeout:
        response_.set_status(interrupt::WaitResponse::TIMEOUT);
        Reply(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kError:
        response_.set_status(interrupt::WaitResponse::ERROR);
        response_.set_msg(outcome.message);
        Reply(grpc::Status::OK);
        return;
      case IrqWaitOutcome::Kind::kCancelled:
        Reply(grpc::Status(grpc::StatusCode::CANCELLED, outcome.message));
        return;
    }
  }

  InterruptService& service_;
  uint64_t ticket_ = 0;              // the queue's thread only
  Handoff<IrqWaitOutcome> outcome_;  // from the hub's thread
  AsyncQueue::FnTag completed_tag_{[this](bool) { Answer(); }};
};

}  // namespace

void InterruptService::Start(AsyncQueue& queue) {
  (new RegisterCall(*this, queue))->Listen();
  (new WaitCall(*this, queue))->Listen();
  (new ReleaseCall(*this, queue))->Listen();
}

}  // namespace pynq_remote::service
