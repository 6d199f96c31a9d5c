#include "service/session_service.h"

#include <mutex>
#include <utility>

#include "service/error_mapping.h"
#include "state/log.h"

namespace pynq_remote::service {
namespace {

namespace v1 = ::pynq_remote::v1;

// One Attach stream. The first request opens or resumes the session; the stream then
// stays open, its reads pending, until the client ends it or the connection drops (both
// end the pending read); OnDone detaches the session so the reaper can free it.
class AttachReactor final : public grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent> {
 public:
  AttachReactor(ServiceState& state, std::function<void()>& on_detach,
                grpc::CallbackServerContext* context)
      : state_(state), on_detach_(on_detach), context_(context), peer_(context->peer()) {
    state_.idle_streams.Add(context_);
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed, went away, or the call was cancelled
      FinishOnce(grpc::Status::OK);
      return;
    }
    if (session_.empty()) {
      Status opened = Open();
      if (!opened.ok()) {
        FinishOnce(ToGrpcStatus(context_, opened.error()));
        return;
      }
      StartWrite(&event_);
    }
    // Later requests carry nothing; keep a read pending so a dropped client is noticed.
    StartRead(&request_);
  }

  void OnWriteDone(bool) override {}

  void OnDone() override {
    state_.idle_streams.Remove(context_);
    if (!session_.empty()) {
      state_.sessions.Detach(session_);
      LogInfo("session " + session_ + " (" + client_ + ", " + peer_ + ") detached");
      on_detach_();
    }
    delete this;
  }

 private:
  Status Open() {
    client_ = request_.client_name().substr(0, 200);
    bool resumed = !request_.resume_session_id().empty();
    if (resumed) {
      Status status = state_.sessions.Resume(request_.resume_session_id());
      if (!status.ok()) return status;
      session_ = request_.resume_session_id();
    } else {
      Result<std::string> id = state_.sessions.Open(client_);
      if (!id.ok()) return id.error();
      session_ = id.value();
    }
    LogInfo("session " + session_ + (resumed ? " resumed by " : " opened by ") + client_ + " (" +
            peer_ + ")");
    const Limits& limits = state_.sessions.limits();
    event_.set_session_id(session_);
    event_.set_server_instance(state_.server_instance);
    event_.set_grace_ms(static_cast<uint32_t>(limits.grace.count()));
    event_.set_resumed(resumed);
    v1::SessionLimits* out = event_.mutable_limits();
    out->set_max_session_bytes(limits.max_session_bytes);
    out->set_max_total_bytes(limits.max_total_bytes);
    out->set_max_session_handles(limits.max_session_handles);
    out->set_max_concurrent_streams(limits.max_concurrent_streams);
    out->set_max_message_bytes(state_.options.max_message_bytes);
    return {};
  }

  void FinishOnce(const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    finished_ = true;
    Finish(status);
  }

  ServiceState& state_;
  std::function<void()>& on_detach_;
  grpc::CallbackServerContext* context_;  // outlives the reactor (until OnDone)
  const std::string peer_;
  std::string session_;
  std::string client_;
  v1::SessionRequest request_;
  v1::SessionEvent event_;
  std::mutex mu_;  // guards finished_: read and cancel reactions may race
  bool finished_ = false;
};

}  // namespace

grpc::ServerBidiReactor<v1::SessionRequest, v1::SessionEvent>* SessionService::Attach(
    grpc::CallbackServerContext* context) {
  return new AttachReactor(state_, on_detach_, context);
}

}  // namespace pynq_remote::service
