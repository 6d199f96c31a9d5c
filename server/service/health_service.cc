#include "service/health_service.h"

namespace pynq_remote::service {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

HealthCheckResponse::ServingStatus StatusNow(const std::atomic<bool>& serving) {
  return serving.load() ? HealthCheckResponse::SERVING : HealthCheckResponse::NOT_SERVING;
}

class CheckCall final : public AsyncUnaryCall<HealthCheckRequest, HealthCheckResponse> {
 public:
  CheckCall(Health::AsyncService& service, const std::atomic<bool>& serving, AsyncQueue& queue)
      : AsyncUnaryCall(queue), service_(service), serving_(serving) {}

 private:
  void RequestCall() override {
    service_.RequestCheck(&context_, &request_, &responder_, queue_.cq(), queue_.cq(),
                          arrived_tag());
  }
  void Spawn() override { (new CheckCall(service_, serving_, queue_))->Listen(); }
  void Handle() override {
    if (!request_.service().empty()) {
      Reply(grpc::Status(grpc::StatusCode::NOT_FOUND,
                         "unknown service " + request_.service().substr(0, 200) +
                             ": this server reports only \"\" (the whole server)"));
      return;
    }
    response_.set_status(StatusNow(serving_));
    Reply(grpc::Status::OK);
  }

  Health::AsyncService& service_;
  const std::atomic<bool>& serving_;
};

// One Watch, on the queue's thread: the status is written once; the stream then stays open,
// nothing pending, until the client goes or the server stops (IdleStreams), which gRPC reports
// as the call done. Deleted once the Finish has completed after that.
class WatchCall final {
 public:
  WatchCall(Health::AsyncService& service, const std::atomic<bool>& serving, IdleStreams* idle,
            AsyncQueue& queue)
      : live_(queue), service_(service), serving_(serving), idle_(idle), queue_(queue) {
    context_.AsyncNotifyWhenDone(&done_tag_);
    service_.RequestWatch(&context_, &request_, &stream_, queue_.cq(), queue_.cq(), &arrived_tag_);
  }

 private:
  void Arrived(bool ok) {
    if (!ok) {  // the server is stopping: no call, and no done tag will come
      delete this;
      return;
    }
    if (!queue_.stopping()) new WatchCall(service_, serving_, idle_, queue_);
    if (idle_ != nullptr) idle_->Add(&context_);
    response_.set_status(request_.service().empty() ? StatusNow(serving_)
                                                    : HealthCheckResponse::SERVICE_UNKNOWN);
    writing_ = true;
    stream_.Write(response_, &write_tag_);
  }

  void WriteDone(bool) {
    writing_ = false;
    if (done_) Finish();
  }

  void Done(bool) {
    done_ = true;
    if (!writing_) Finish();
  }

  void Finish() { stream_.Finish(grpc::Status::CANCELLED, &finish_tag_); }

  void Finished(bool) {
    if (idle_ != nullptr) idle_->Remove(&context_);
    delete this;
  }

  AsyncQueue::Live live_;  // first: released last
  Health::AsyncService& service_;
  const std::atomic<bool>& serving_;
  IdleStreams* const idle_;
  AsyncQueue& queue_;
  grpc::ServerContext context_;
  HealthCheckRequest request_;
  HealthCheckResponse response_;
  grpc::ServerAsyncWriter<HealthCheckResponse> stream_{&context_};
  AsyncQueue::FnTag arrived_tag_{[this](bool ok) { Arrived(ok); }};
  AsyncQueue::FnTag write_tag_{[this](bool ok) { WriteDone(ok); }};
  AsyncQueue::FnTag finish_tag_{[this](bool ok) { Finished(ok); }};
  AsyncQueue::FnTag done_tag_{[this](bool ok) { Done(ok); }};
  bool writing_ = false;
  bool done_ = false;
};

}  // namespace

HealthService::HealthService(IdleStreams* idle) : idle_(idle) {}

HealthService::~HealthService() = default;

void HealthService::RegisterWith(grpc::ServerBuilder& builder, AsyncQueue& queue) {
  builder.RegisterService(&service_);
  queue.OnStart([this, &queue] {
    (new CheckCall(service_, serving_, queue))->Listen();
    new WatchCall(service_, serving_, idle_, queue);
  });
}

}  // namespace pynq_remote::service
