// Board.MmioPoll: reads one register until (value & mask) matches, on one thread of the
// server for every poll in progress, so a wait that would cost a client many round trips
// costs it one and holds no gRPC thread while it lasts.
//
// Each poll reads at once, then again after 20 us, doubling to 0.25 ms between reads, and in
// a long wait up to an eighth of the time waited so far, at most 1 ms (the last read falls on
// its timeout). Every read is checked against the access policy first,
// as Board.MmioRead is. Where the PL runs by itself (a free-running simulation, hardware)
// the reads only look; a simulated board's reads also keep its PL running (the trailing
// window after a host access). On a deterministic simulated board, where PL time moves only
// inside host accesses and Advance, a poll that asks for advance_cycles runs that many PL
// cycles before each read after the first, so the same request sees the same register history
// on every run; without it the poll only reads (each read moves the PL by its own bus
// transaction), and another caller's Advance must move time.
//
// A poll ends: matched; at its timeout (an answer, not an error); at the first failed read or
// Advance (that error); or stopped by its client (cancel, deadline) or by the server
// stopping. Its done callback runs exactly once, never with the poller's lock held.
#ifndef PYNQ_REMOTE_SERVER_SERVICE_MMIO_POLL_H_
#define PYNQ_REMOTE_SERVER_SERVICE_MMIO_POLL_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "state/shared_state.h"

namespace pynq_remote::service {

struct MmioPollSpec {
  uint64_t addr = 0;
  int width = 4;
  uint64_t mask = 0;
  uint64_t value = 0;
  bool equal = true;                     // false: done when (read & mask) != value
  std::chrono::milliseconds timeout{0};  // 0: none (until cancelled)
  uint64_t advance_cycles = 0;           // deterministic boards only
};

struct MmioPollOutcome {
  enum class Kind { kMatched, kTimeout, kError, kStopped };
  Kind kind = Kind::kError;
  uint64_t value = 0;  // the last value read
  uint64_t reads = 0;
  DeviceError error;  // kError: the failure; kStopped: why (kCancelled or kUnavailable)
};

/// Whether the request can ever be answered: width, alignment, window and policy as
/// MmioRead checks them, then mask (not 0, no bit above the width) and value (no bit
/// outside the mask). Errors: as CheckMmioAllowed, kInvalidArgument.
Status CheckMmioPollSpec(const SharedState& state, const MmioPollSpec& spec);

class MmioPoller {
 public:
  /// Polls in progress at once, all clients together; one more is kLimitExceeded.
  static constexpr size_t kMaxPolls = 256;

  explicit MmioPoller(SharedState& state) : state_(state) {}
  /// Ends every poll still in progress (kStopped) and joins the thread.
  ~MmioPoller();
  MmioPoller(const MmioPoller&) = delete;
  MmioPoller& operator=(const MmioPoller&) = delete;

  using Done = std::function<void(const MmioPollOutcome&)>;
  /// Starts a poll (CheckMmioPollSpec first); `done` runs later, from the poller's thread or
  /// from Cancel. Returns the ticket for Cancel. Errors: as CheckMmioPollSpec,
  /// kLimitExceeded (kMaxPolls), kUnavailable (the server is stopping).
  Result<uint64_t> Start(const MmioPollSpec& spec, Done done);
  /// Ends the poll now with kStopped (kCancelled, `why`), or after the read or Advance it is
  /// in. Idempotent; a finished ticket is ignored.
  void Cancel(uint64_t ticket, const std::string& why);

  /// For tests and logs.
  size_t active() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Poll {
    MmioPollSpec spec;
    Done done;
    bool advance = false;  // deterministic board and advance_cycles > 0
    Clock::time_point deadline = Clock::time_point::max();
    Clock::time_point due;
    Clock::time_point started;
    std::chrono::microseconds interval{0};
    uint64_t reads = 0;
    uint64_t last = 0;
    bool running = false;             // a read or Advance is in progress, unlocked
    std::atomic<bool> cancel{false};  // asked to stop while running
    std::string why;                  // guarded by mu_
  };
  using Completion = std::pair<Done, MmioPollOutcome>;

  void Run();
  // One read (after an Advance when asked) for `poll`, without the lock.
  Result<uint64_t> Step(Poll& poll);
  // What follows a step: an outcome, or the time of the next read. Called with the lock.
  bool Settle(Poll& poll, const Result<uint64_t>& read, MmioPollOutcome* outcome);
  static MmioPollOutcome Stopped(const Poll& poll, ErrorCode code, const std::string& why);

  SharedState& state_;
  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool shutdown_ = false;
  uint64_t next_ticket_ = 1;
  std::map<uint64_t, Poll> polls_;
  std::thread thread_;  // started with the first poll
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_MMIO_POLL_H_
