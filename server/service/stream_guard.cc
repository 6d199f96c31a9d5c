#include "service/stream_guard.h"

#include <grpc/grpc.h>

#include <algorithm>
#include <cstdio>
#include <utility>

#include "state/log.h"

namespace pynq_remote::service {

StreamWatchdog::StreamWatchdog(std::chrono::milliseconds idle_limit)
    : idle_limit_(idle_limit), thread_([this] { Run(); }) {}

StreamWatchdog::~StreamWatchdog() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StreamWatchdog::Add(StreamGuard* guard) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    guards_.insert(guard);
  }
  // Only the first stream changes when to wake (from never to one limit away).
  cv_.notify_all();
}

void StreamWatchdog::Remove(StreamGuard* guard) {
  // Taking mu_ also waits out a cancel of this guard's call in progress: after this returns
  // the watchdog never touches the call again, so the handler may return and free it.
  std::lock_guard<std::mutex> lock(mu_);
  guards_.erase(guard);
}

void StreamWatchdog::Run() {
  using Clock = std::chrono::steady_clock;
  const int64_t limit_ns = std::chrono::nanoseconds(idle_limit_).count();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (guards_.empty() || limit_ns == 0) {
      cv_.wait(lock);
      continue;
    }
    // A stream that starts waiting after this scan passes its limit at least one limit from
    // now, so waking then (or at the earliest waiter's limit) sees every expiry in time.
    const int64_t now = StreamGuard::NowNs();
    int64_t next = now + limit_ns;
    for (StreamGuard* guard : guards_) {
      int64_t since = guard->waiting_since_ns_.load();
      if (since == 0) continue;
      if (now - since < limit_ns) {
        next = std::min(next, since + limit_ns);
        continue;
      }
      // Lost to a Read or Write that returned meanwhile: the stream is not idle after all.
      if (!guard->waiting_since_ns_.compare_exchange_strong(since, 0)) continue;
      guard->ended_idle_ = true;
      ended_.fetch_add(1);
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%g", idle_limit_.count() / 1000.0);
      const std::string why = guard->what_ + ": the client sent and took nothing for " + seconds +
                              " s (--stream-idle-s); the server ended the stream";
      LogWarn(why);
      // ServerContext::TryCancel would say only "Cancelled"; the core call carries our text.
      grpc_call_cancel_with_status(guard->context_->c_call(), GRPC_STATUS_DEADLINE_EXCEEDED,
                                   why.c_str(), nullptr);
    }
    cv_.wait_until(lock, Clock::time_point(std::chrono::nanoseconds(next)));
  }
}

Result<std::unique_ptr<StreamGuard>> StreamGuard::Start(
    grpc::ServerContext* context, StreamSlots& slots, SessionTable& sessions, CallMemory& memory,
    StreamWatchdog& watchdog, const std::string& what, const std::string& owner) {
  Result<StreamSlots::Slot> slot = slots.Acquire(what);
  if (!slot.ok()) return slot.error();
  std::unique_ptr<StreamGuard> guard(
      new StreamGuard(context, std::move(slot).value(), sessions, memory, watchdog, what, owner));
  watchdog.Add(guard.get());
  return guard;
}

StreamGuard::StreamGuard(grpc::ServerContext* context, StreamSlots::Slot slot,
                         SessionTable& sessions, CallMemory& memory, StreamWatchdog& watchdog,
                         std::string what, std::string owner)
    : context_(context),
      slot_(std::move(slot)),
      sessions_(sessions),
      memory_(memory),
      watchdog_(watchdog),
      what_(std::move(what)),
      owner_(std::move(owner)) {}

StreamGuard::~StreamGuard() {
  watchdog_.Remove(this);
  if (charged_ != 0) sessions_.Release(owner_, charged_, 0);
  if (charged_ + ahead_ != 0) memory_.Release(charged_ + ahead_);
}

Status StreamGuard::ReserveAhead(uint64_t bytes, const std::string& what) {
  // Never more than this stream could still be charged: a budget smaller than the largest
  // message then refuses only a message that does not fit, not every stream before it reads.
  if (memory_.limit() != 0)
    bytes = std::min(bytes, memory_.limit() - std::min(memory_.limit(), charged_));
  if (bytes <= ahead_) return {};
  Status reserved =
      memory_.Reserve(bytes - ahead_, what + ": waiting for up to " + FormatBytes(bytes));
  if (!reserved.ok()) return reserved;
  ahead_ = bytes;
  return {};
}

void StreamGuard::ReleaseAhead() {
  memory_.Release(ahead_);
  ahead_ = 0;
}

Status StreamGuard::Charge(uint64_t bytes, const std::string& action) {
  const uint64_t from_ahead = std::min(ahead_, bytes);
  if (bytes > from_ahead) {
    Status in_flight = memory_.Reserve(bytes - from_ahead, action);
    if (!in_flight.ok()) return in_flight;
  }
  ahead_ -= from_ahead;
  Status reserved = sessions_.Reserve(owner_, bytes, 0, action);
  if (!reserved.ok()) {
    memory_.Release(bytes);
    return reserved;
  }
  charged_ += bytes;
  ReleaseAhead();  // what the Read did not bring in goes back at once, for the other streams
  return {};
}

int64_t StreamGuard::NowNs() {
  // Never 0, which means "not waiting".
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::steady_clock::now().time_since_epoch())
                                  .count());
}

StreamGuard::Waiting::Waiting(StreamGuard* guard) : guard_(guard) {
  guard_->waiting_since_ns_ = NowNs();
}

StreamGuard::Waiting::~Waiting() { guard_->waiting_since_ns_ = 0; }

}  // namespace pynq_remote::service
