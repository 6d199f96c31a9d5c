// What a streaming RPC holds while it runs, in one RAII object: a --max-streams slot, the
// memory it keeps on its caller's behalf (charged to the session and total limits), and a
// place under the idle watchdog, which ends a stream whose client has been silent (or has not
// taken what was sent) for --stream-idle-s. A sync handler blocked in Read or Write cannot
// time out by itself; the watchdog cancels the call from its own thread, with a status that
// says why, and the blocked Read or Write returns false.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_STREAM_GUARD_H_
#define PYNQ_REMOTE_SERVER_SERVICE_STREAM_GUARD_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "device/device_error.h"
#include "state/sessions.h"

namespace pynq_remote::service {

class StreamGuard;

/// One thread that ends idle streams. It sleeps while no stream is registered, and otherwise
/// wakes when the longest wait could first pass the limit, so an idle server costs nothing.
class StreamWatchdog {
 public:
  /// `idle_limit` zero: streams never time out (the thread still starts, and sleeps).
  explicit StreamWatchdog(std::chrono::milliseconds idle_limit);
  ~StreamWatchdog();
  StreamWatchdog(const StreamWatchdog&) = delete;
  StreamWatchdog& operator=(const StreamWatchdog&) = delete;

  std::chrono::milliseconds idle_limit() const { return idle_limit_; }
  /// How many streams the watchdog has ended since the start (for GetInfo and tests).
  uint64_t ended() const { return ended_.load(); }

 private:
  friend class StreamGuard;
  void Add(StreamGuard* guard);
  void Remove(StreamGuard* guard);
  void Run();

  const std::chrono::milliseconds idle_limit_;
  std::mutex mu_;  // guards guards_ and stop_; held while a call is cancelled
  std::condition_variable cv_;
  std::set<StreamGuard*> guards_;
  bool stop_ = false;
  std::atomic<uint64_t> ended_{0};
  std::thread thread_;
};

/// Held by a streaming handler from its first line to its return.
class StreamGuard {
 public:
  /// Takes a slot ("what" names the RPC in messages). `owner`: the caller's session, "" for
  /// the sessionless pool. Errors: kLimitExceeded (--max-streams).
  static Result<std::unique_ptr<StreamGuard>> Start(grpc::ServerContext* context,
                                                    StreamSlots& slots, SessionTable& sessions,
                                                    CallMemory& memory, StreamWatchdog& watchdog,
                                                    const std::string& what,
                                                    const std::string& owner);
  ~StreamGuard();
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;

  /// reader->Read(message), timed by the watchdog.
  template <typename Reader, typename Message>
  bool Read(Reader* reader, Message* message) {
    Waiting waiting(this);
    return reader->Read(message);
  }
  /// writer->Write(message), timed by the watchdog (a client that stops reading stalls it).
  template <typename Writer, typename Message>
  bool Write(Writer* writer, const Message& message) {
    Waiting waiting(this);
    return writer->Write(message);
  }

  /// Before a Read that can bring in up to `bytes`: reserves them in the calls-in-flight
  /// budget, so that what streams take in can never pass it however many read at once (a
  /// stream refused here has not made gRPC take its message in). Charge then draws on the
  /// reservation and what it leaves is given back. Errors: kLimitExceeded naming the limit.
  Status ReserveAhead(uint64_t bytes, const std::string& what);
  /// The stream has read its last message: gives the reservation back.
  void ReleaseAhead();
  /// Charges `bytes` more, held until the guard goes: to the calls in flight, and to the
  /// owner's session and the total. Errors: kLimitExceeded naming the limit, with `action`
  /// ("downloading a bitstream of 3.9 MiB").
  Status Charge(uint64_t bytes, const std::string& action);
  uint64_t charged() const { return charged_; }

  /// Whether the watchdog ended this stream (its Read/Write then returned false).
  bool ended_idle() const { return ended_idle_.load(); }

 private:
  friend class StreamWatchdog;
  StreamGuard(grpc::ServerContext* context, StreamSlots::Slot slot, SessionTable& sessions,
              CallMemory& memory, StreamWatchdog& watchdog, std::string what, std::string owner);
  // Marks the handler as waiting on its client for the life of the object.
  class Waiting {
   public:
    explicit Waiting(StreamGuard* guard);
    ~Waiting();

   private:
    StreamGuard* guard_;
  };
  static int64_t NowNs();

  grpc::ServerContext* const context_;
  StreamSlots::Slot slot_;
  SessionTable& sessions_;
  CallMemory& memory_;
  StreamWatchdog& watchdog_;
  const std::string what_;
  const std::string owner_;
  uint64_t charged_ = 0;  // bytes held for the caller: the session's and the calls' budget
  uint64_t ahead_ = 0;    // reserved in the calls' budget for a Read in progress
  // Steady-clock ns since the handler began waiting on the client; 0 while it works.
  std::atomic<int64_t> waiting_since_ns_{0};
  std::atomic<bool> ended_idle_{false};
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_STREAM_GUARD_H_
