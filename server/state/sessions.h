// Sessions and the limits that bound what clients may hold. A session is a client's
// lifetime on the server (its Attach stream); every buffer and MMIO handle is charged to
// the session that made it, or to the sessionless pool (PYNQ 3.1 clients), and checked
// against the configured limits before the board is touched. When a session's stream
// ends and its grace period passes, the reaper hands its id to whoever frees its handles.
#ifndef PYNQ_REMOTE_SERVER_STATE_SESSIONS_H_
#define PYNQ_REMOTE_SERVER_STATE_SESSIONS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote {

/// Server limits; 0 means unlimited. Flags set them (see main.cc's --help).
struct Limits {
  uint64_t max_session_bytes = 0;        // buffer bytes one session may hold
  uint64_t max_total_bytes = 0;          // buffer bytes every client together may hold
  uint64_t max_sessionless_bytes = 0;    // buffer bytes the sessionless pool (3.1) may hold
  uint32_t max_session_handles = 4096;   // buffers + MMIO handles per session (and sessionless)
  uint32_t max_sessions = 256;           // sessions open at once
  uint32_t max_concurrent_streams = 16;  // streaming transfers in progress at once
  uint64_t max_file_bytes = 1ull << 30;  // one file written through writefile
  std::chrono::milliseconds stream_idle{30000};  // a stream silent this long is ended (0: never)
  uint64_t max_call_bytes = 512ull << 20;  // what streams hold in flight, server-wide (0: none)
  std::chrono::milliseconds grace{1000};   // a dropped session's handles outlive it this long
};

/// What one owner holds. The sessionless pool is the owner "".
struct Usage {
  uint64_t bytes = 0;
  uint32_t handles = 0;
};

class SessionTable {
 public:
  using Clock = std::chrono::steady_clock;

  explicit SessionTable(Limits limits) : limits_(limits) {}
  SessionTable(const SessionTable&) = delete;
  SessionTable& operator=(const SessionTable&) = delete;

  const Limits& limits() const { return limits_; }

  /// A new attached session. Errors: kLimitExceeded past max_sessions.
  Result<std::string> Open(const std::string& client_name);
  /// Re-attaches `id` (dropped or restored after a restart, still in its grace period).
  /// Errors: kUnknownId.
  Status Resume(const std::string& id);
  /// Registers a session restored from a state directory, detached for `grace` so its
  /// client can come back.
  void Restore(const std::string& id, Usage usage, std::chrono::milliseconds grace);
  /// The session's stream ended: its handles go when the grace period passes.
  void Detach(const std::string& id);

  /// Whether requests may act as `id`: "" (sessionless) always; a session while attached
  /// or within its grace period. Errors: kUnknownId naming why.
  Status CheckCaller(const std::string& id) const;

  /// Charges `bytes` and `handles` to `owner` if every limit allows, else kLimitExceeded
  /// with the numbers; `action` says what the bytes are for ("allocating 3.0 MiB",
  /// "downloading a bitstream of 3.9 MiB"). Release gives them back.
  Status Reserve(const std::string& owner, uint64_t bytes, uint32_t handles,
                 const std::string& action = "");
  void Release(const std::string& owner, uint64_t bytes, uint32_t handles);

  /// Sessions whose grace period has passed, removed from the table. Their usage must be
  /// released by freeing their handles (Release with their owner id is a no-op after).
  std::vector<std::string> TakeExpired(Clock::time_point now);
  /// When the next detached session expires; max() when none is detached.
  Clock::time_point NextExpiry() const;

  uint32_t open_sessions() const;
  Usage total() const;
  Usage usage(const std::string& owner) const;

 private:
  struct Session {
    std::string client_name;
    bool attached = true;
    Clock::time_point expires{};  // when detached
    Usage usage;
  };
  Usage* UsageLocked(const std::string& owner);

  const Limits limits_;
  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, Session> sessions_;
  Usage sessionless_;
  Usage total_;
};

/// Frees expired sessions' handles on its own thread: wakes at the next expiry (or when
/// told a session detached) and calls `expire(id)` for each.
class SessionReaper {
 public:
  SessionReaper(SessionTable& table, std::function<void(const std::string&)> expire);
  ~SessionReaper();
  /// A session detached: recompute when to wake.
  void Poke();
  /// Frees nothing more, from now on (the server is stopping). Idempotent.
  void Stop();

 private:
  void Run();

  SessionTable& table_;
  std::function<void(const std::string&)> expire_;
  std::mutex mu_;  // guards stop_, poked_
  std::condition_variable cv_;
  bool stop_ = false;
  bool poked_ = false;
  std::thread thread_;
};

/// Counts streaming transfers in progress; a slot is held for the life of the object.
class StreamSlots {
 public:
  explicit StreamSlots(uint32_t max) : max_(max) {}
  class Slot {
   public:
    explicit Slot(StreamSlots* owner) : owner_(owner) {}
    Slot(Slot&& other) noexcept : owner_(other.owner_) { other.owner_ = nullptr; }
    Slot(const Slot&) = delete;
    Slot& operator=(const Slot&) = delete;
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_ != nullptr) owner_->active_.fetch_sub(1);
    }

   private:
    StreamSlots* owner_;
  };
  /// A slot, or kLimitExceeded naming the limit when `max` are in use.
  Result<Slot> Acquire(const std::string& what);
  uint32_t active() const { return active_.load(); }

 private:
  const uint32_t max_;
  std::atomic<uint32_t> active_{0};
};

/// "1.5 MiB" style, for limit messages.
std::string FormatBytes(uint64_t bytes);

/// What all streams together hold in server memory (bitstreams being downloaded), against
/// one server-wide limit (--max-call-memory-mb; 0: none).
class CallMemory {
 public:
  explicit CallMemory(uint64_t limit) : limit_(limit) {}
  /// Errors: kLimitExceeded naming the limit, with `action` ("downloading a bitstream...").
  Status Reserve(uint64_t bytes, const std::string& action);
  void Release(uint64_t bytes);
  uint64_t held() const { return held_.load(); }
  uint64_t limit() const { return limit_; }

 private:
  const uint64_t limit_;
  std::atomic<uint64_t> held_{0};
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_SESSIONS_H_
