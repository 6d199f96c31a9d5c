// The server's long-lived calls (session Attach streams, interrupt waits, MmioPoll, reflection
// and health streams) on gRPC's async API, on one completion queue that one thread of ours
// drains. One queue for all of them (Services owns it; reflection and health put their calls
// on it too): gRPC's epoll1 engine has one epoll set for the whole process, so a thread
// waiting on any queue, listening or not, may be the one that reads a socket and then hands
// the sync call it read to another thread. Three queues measured 0.04x of a bare call more
// per raw MMIO read than none (bench_e2e, same run); one keeps that to one such thread.
//
// Why not the callback API: in gRPC 1.51 (epoll1) any callback method, even the default
// health check service's, makes gRPC start two "nexting" threads that poll the sockets; when
// one of them reads a sync call's request it must wake a sync thread to run it, a hand-off on
// every MMIO access (raw 3.1 stub read 1.2-1.35x a bare call instead of ~1.0x). The queue
// here is added with AddCompletionQueue(false): non-listening, so the thread that waits on it
// does not read the sockets; the sync server's threads do, and queue events for it.
//
// Every operation's tag is a Tag; Proceed runs on the queue's thread, so each call's state is
// only ever touched there (what another thread hands over goes through Wake).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_ASYNC_QUEUE_H_
#define PYNQ_REMOTE_SERVER_SERVICE_ASYNC_QUEUE_H_

#include <grpcpp/alarm.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace pynq_remote::service {

class AsyncQueue {
 public:
  /// What to do when an operation completes (`ok` as gRPC reports it).
  class Tag {
   public:
    virtual void Proceed(bool ok) = 0;

   protected:
    ~Tag() = default;
  };

  /// A Tag running a function; a call object holds one per kind of operation.
  class FnTag final : public Tag {
   public:
    explicit FnTag(std::function<void(bool)> fn) : fn_(std::move(fn)) {}
    void Proceed(bool ok) override { fn_(ok); }

   private:
    std::function<void(bool)> fn_;
  };

  /// Held by every call object (its first member) from the request for it to its deletion:
  /// the queue is shut down only once none is left, so that no call can start an operation
  /// on a queue already shut down (gRPC aborts on that). Queue thread only.
  class Live {
   public:
    explicit Live(AsyncQueue& queue) : queue_(queue) { ++queue_.live_; }
    ~Live() {
      if (--queue_.live_ == 0 && queue_.stopping_) queue_.cq_->Shutdown();
    }
    Live(const Live&) = delete;
    Live& operator=(const Live&) = delete;

   private:
    AsyncQueue& queue_;
  };

  AsyncQueue() = default;
  /// Stop() unless it was called.
  ~AsyncQueue();
  AsyncQueue(const AsyncQueue&) = delete;
  AsyncQueue& operator=(const AsyncQueue&) = delete;

  /// `start` runs on the queue's thread once the server has started; it requests the first
  /// calls. Call before the server starts (BuildAndStart).
  void OnStart(std::function<void()> start) { starts_.push_back(std::move(start)); }
  /// Adds the queue to `builder`, and starts the thread when BuildAndStart has started the
  /// server (a server that fails to start leaves it unstarted). Once per queue.
  void AddTo(grpc::ServerBuilder& builder);

  /// Shuts the queue down, runs what is left on it, and joins the thread; later calls do
  /// nothing. The server must have been shut down (grpc::Server::Shutdown) or never started,
  /// and must still exist: the requests it failed at shutdown read it when they come off the
  /// queue. Every service whose calls are on this queue must still exist too.
  void Stop();

  grpc::ServerCompletionQueue* cq() { return cq_.get(); }
  /// On the queue's thread: whether the queue is being shut down, after which no call may be
  /// requested on it (a request made for a new call checks this first).
  bool stopping() const { return stopping_; }

 private:
  class StartPlugin;
  class StartOption;
  void Start();
  void Run();

  std::vector<std::function<void()>> starts_;
  std::unique_ptr<grpc::ServerCompletionQueue> cq_;
  std::thread thread_;
  bool stopped_ = false;   // Stop() has run
  bool stopping_ = false;  // the queue's thread only
  int live_ = 0;           // call objects (Live); the queue's thread only
  std::unique_ptr<FnTag> stop_tag_;
  grpc::Alarm stop_alarm_;
};

/// Hands one value made on another thread (the interrupt hub's, the MMIO poller's) back to the
/// queue's thread: Put may be called once, from any thread; `tag` then runs on the queue, where
/// Take returns the value. The tag's `ok` means nothing here (see Put).
template <typename T>
class Handoff {
 public:
  void Put(T value, AsyncQueue& queue, AsyncQueue::Tag* tag) {
    // Held to the end: once the alarm is set the tag may run and its call be deleted (this
    // Handoff with it), and the tag's first step is Take, which waits for the lock. So
    // nothing here touches the call after the lock is released (ASan found Cancel reading a
    // freed alarm when the lock covered only value_).
    std::lock_guard<std::mutex> lock(mu_);
    value_ = std::move(value);
    // An alarm due now still waits for gRPC's next timer check, about a millisecond later
    // (timers have millisecond deadlines): an MmioPoll that matched at once took 1.0 ms
    // against 0.31 ms for a bare call. Cancelling it queues the tag at once (ok false); if
    // the timer has fired already, the cancel does nothing.
    alarm_.Set(queue.cq(), gpr_now(GPR_CLOCK_MONOTONIC), tag);
    alarm_.Cancel();
  }
  /// On the queue's thread, once `tag` has run, and before anything that may delete the
  /// Handoff (see Put).
  T Take() {
    std::lock_guard<std::mutex> lock(mu_);
    return *value_;
  }

 private:
  std::mutex mu_;  // guards value_: set on the other thread, read on the queue's
  std::optional<T> value_;
  grpc::Alarm alarm_;
};

/// One unary call on the async API, from the request for it to its end; a subclass requests
/// its method (RequestCall), makes the next call of its kind to wait for the next client
/// (Spawn), and answers (Handle, then Reply, at once or later). Everything runs on the queue's
/// thread. Deleted once its Reply has gone and gRPC has reported the call done; a client that
/// goes before the Reply gets Cancelled first, after which the subclass must still Reply.
template <class Request, class Response>
class AsyncUnaryCall {
 public:
  virtual ~AsyncUnaryCall() = default;

  /// Requests the call: the object lives until the call ends (or the request fails).
  void Listen() {
    context_.AsyncNotifyWhenDone(&done_tag_);
    RequestCall();
  }

 protected:
  explicit AsyncUnaryCall(AsyncQueue& queue) : live_(queue), queue_(queue) {}

  /// Requests the method's next call with context_, request_, responder_ and arrived_tag().
  virtual void RequestCall() = 0;
  /// A new call of the same kind, Listen-ing.
  virtual void Spawn() = 0;
  /// The request has arrived in request_.
  virtual void Handle() = 0;
  /// The client cancelled, went away or passed its deadline before the Reply.
  virtual void Cancelled() {}

  /// The answer: response_ with `status` (response_ is not sent unless `status` is OK).
  void Reply(const grpc::Status& status) {
    replied_ = true;
    if (status.ok()) {
      responder_.Finish(response_, status, &finish_tag_);
    } else {
      responder_.FinishWithError(status, &finish_tag_);
    }
  }

  AsyncQueue::Tag* arrived_tag() { return &arrived_tag_; }

 private:
  AsyncQueue::Live live_;  // first: released last

 protected:
  AsyncQueue& queue_;
  grpc::ServerContext context_;
  Request request_;
  Response response_;
  grpc::ServerAsyncResponseWriter<Response> responder_{&context_};

 private:
  void Arrived(bool ok) {
    if (!ok) {  // the server is stopping: no call, and no done tag will come
      delete this;
      return;
    }
    if (!queue_.stopping()) Spawn();
    Handle();
  }

  void Finished(bool) {
    finished_ = true;
    if (done_) delete this;
  }

  void Done(bool) {
    done_ = true;
    if (finished_) {
      delete this;
      return;
    }
    if (!replied_ && context_.IsCancelled()) Cancelled();
  }

  AsyncQueue::FnTag arrived_tag_{[this](bool ok) { Arrived(ok); }};
  AsyncQueue::FnTag finish_tag_{[this](bool ok) { Finished(ok); }};
  AsyncQueue::FnTag done_tag_{[this](bool ok) { Done(ok); }};
  bool replied_ = false;
  bool finished_ = false;
  bool done_ = false;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_ASYNC_QUEUE_H_
