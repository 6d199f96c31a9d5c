#include "service/session_service.h"

#include <memory>
#include <utility>

#include "service/error_mapping.h"
#include "state/log.h"

namespace pynq_remote::service {
namespace {

namespace v1 = ::pynq_remote::v1;

// One Attach stream, from the request for it to its end; everything runs on the queue's
// thread. The first request opens or resumes the session; the stream then stays open, its
// read pending, until the client ends it or the connection drops (both fail the read); the
// session is then detached so the reaper can free it. A read and the one write may be
// pending together; Finish waits for the write. Deleted once gRPC has reported the call done
// and the Finish (if any) has completed.
class AttachCall {
 public:
  AttachCall(SessionService& service, AsyncQueue& queue, ServiceState& state,
             std::function<void()>& on_detach)
      : live_(queue), service_(service), queue_(queue), state_(state), on_detach_(on_detach) {
    context_.AsyncNotifyWhenDone(&done_tag_);
    service_.RequestAttach(&context_, &stream_, queue_.cq(), queue_.cq(), &arrived_tag_);
  }

 private:
  void Arrived(bool ok) {
    if (!ok) {  // the server is stopping: no call, and no done tag will come
      delete this;
      return;
    }
    if (!queue_.stopping()) new AttachCall(service_, queue_, state_, on_detach_);
    peer_ = context_.peer();
    state_.idle_streams.Add(&context_);
    reading_ = true;
    stream_.Read(&request_, &read_tag_);
  }

  void ReadDone(bool ok) {
    reading_ = false;
    if (!ok) {  // the client half-closed, went away, or the call was cancelled
      FinishWhenIdle(grpc::Status::OK);
      return;
    }
    if (session_.empty()) {
      Status opened = Open();
      if (!opened.ok()) {
        FinishWhenIdle(ToGrpcStatus(&context_, opened.error()));
        return;
      }
      writing_ = true;
      stream_.Write(event_, &write_tag_);
    }
    // Later requests carry nothing; keep a read pending so a dropped client is noticed.
    reading_ = true;
    stream_.Read(&request_, &read_tag_);
  }

  void WriteDone(bool) {
    writing_ = false;
    if (finish_status_) Finish();
  }

  // Finish may not overlap the write; a pending read is ended by the Finish itself.
  void FinishWhenIdle(grpc::Status status) {
    if (finish_status_ || finishing_) return;
    finish_status_ = std::make_unique<grpc::Status>(std::move(status));
    if (!writing_) Finish();
  }

  void Finish() {
    finishing_ = true;
    stream_.Finish(*finish_status_, &finish_tag_);
    finish_status_.reset();
  }

  void FinishDone(bool) {
    finished_ = true;
    MaybeDelete();
  }

  void Done(bool) {
    done_ = true;
    // A cancelled call fails its pending read, which then finishes it.
    MaybeDelete();
  }

  void MaybeDelete() {
    if (!done_ || reading_ || writing_ || (finishing_ && !finished_)) return;
    if (!finishing_) {  // done without our Finish: finish, then come back
      FinishWhenIdle(grpc::Status::CANCELLED);
      return;
    }
    state_.idle_streams.Remove(&context_);
    if (!session_.empty()) {
      state_.sessions.Detach(session_);
      LogInfo("session " + session_ + " (" + client_ + ", " + peer_ + ") detached");
      on_detach_();
    }
    delete this;
  }

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

  AsyncQueue::Live live_;  // first: released last
  SessionService& service_;
  AsyncQueue& queue_;
  ServiceState& state_;
  std::function<void()>& on_detach_;
  grpc::ServerContext context_;
  grpc::ServerAsyncReaderWriter<v1::SessionEvent, v1::SessionRequest> stream_{&context_};
  AsyncQueue::FnTag arrived_tag_{[this](bool ok) { Arrived(ok); }};
  AsyncQueue::FnTag read_tag_{[this](bool ok) { ReadDone(ok); }};
  AsyncQueue::FnTag write_tag_{[this](bool ok) { WriteDone(ok); }};
  AsyncQueue::FnTag finish_tag_{[this](bool ok) { FinishDone(ok); }};
  AsyncQueue::FnTag done_tag_{[this](bool ok) { Done(ok); }};
  std::string peer_;
  std::string session_;
  std::string client_;
  v1::SessionRequest request_;
  v1::SessionEvent event_;
  bool reading_ = false;
  bool writing_ = false;
  bool finishing_ = false;
  bool finished_ = false;
  bool done_ = false;
  std::unique_ptr<grpc::Status> finish_status_;  // set while Finish waits for the write
};

}  // namespace

void SessionService::Start(AsyncQueue& queue) { new AttachCall(*this, queue, state_, on_detach_); }

}  // namespace pynq_remote::service
