#include "service/async_queue.h"

#include <grpcpp/impl/server_builder_option.h>
#include <grpcpp/impl/server_builder_plugin.h>

#include <string>

namespace pynq_remote::service {

// BuildAndStart calls a plugin's Finish once the server has started: the first moment a call
// may be requested.
class AsyncQueue::StartPlugin final : public grpc::ServerBuilderPlugin {
 public:
  explicit StartPlugin(AsyncQueue* queue) : queue_(queue) {}
  std::string name() override { return "pynq_remote_async_queue"; }
  void InitServer(grpc::ServerInitializer*) override {}
  void Finish(grpc::ServerInitializer*) override { queue_->Start(); }
  void ChangeArguments(const std::string&, void*) override {}

 private:
  AsyncQueue* const queue_;
};

// The way to add a plugin to one builder (ServerBuilder::SetOption).
class AsyncQueue::StartOption final : public grpc::ServerBuilderOption {
 public:
  explicit StartOption(AsyncQueue* queue) : queue_(queue) {}
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->push_back(std::make_unique<StartPlugin>(queue_));
  }

 private:
  AsyncQueue* const queue_;
};

void AsyncQueue::AddTo(grpc::ServerBuilder& builder) {
  cq_ = builder.AddCompletionQueue(/*is_frequently_polled=*/false);
  // On the queue's thread, when this queue is destroyed: no call is requested from now on,
  // and the queue is shut down once the last call object has gone (Live). The server has
  // shut down: every request it still held comes back failed, and every call in progress was
  // cancelled and ends. Made here, before the thread starts: the alarm that hands it over
  // synchronises inside libgrpc, where ThreadSanitizer cannot see.
  stop_tag_ = std::make_unique<FnTag>([this](bool) {
    stopping_ = true;
    if (live_ == 0) cq_->Shutdown();
  });
  builder.SetOption(std::make_unique<StartOption>(this));
}

void AsyncQueue::Start() {
  thread_ = std::thread([this] {
    for (const std::function<void()>& start : starts_) start();
    Run();
  });
}

void AsyncQueue::Run() {
  void* tag;
  bool ok;
  while (cq_->Next(&tag, &ok)) static_cast<Tag*>(tag)->Proceed(ok);
}

void AsyncQueue::Stop() {
  if (!cq_ || stopped_) return;
  stopped_ = true;
  if (!thread_.joinable()) {  // the server never started: nothing was requested
    cq_->Shutdown();
    Run();
    return;
  }
  stop_alarm_.Set(cq_.get(), gpr_now(GPR_CLOCK_MONOTONIC), stop_tag_.get());
  thread_.join();
}

AsyncQueue::~AsyncQueue() { Stop(); }

}  // namespace pynq_remote::service
