// PL interrupts for clients (interrupt.RemoteInterrupt): registrations ("irq_N") of a .hwh
// pin or of an AXI INTC input, waits on them, and the threads that watch the PS lines.
//
// Level semantics, as PYNQ's Interrupt and PR #1566's target have them: each wait re-arms
// its INTC input (SIE); when the line fires, the dispatcher reads IPR, disables (CIE) and
// acknowledges (IAR) the inputs that fired, and marks every registration of them pending, so
// several registrations of one pin each see every event. A wait on a pending registration
// returns FIRED at once. A source still high fires again on the next wait; after the driver
// clears it, at most one late FIRED follows (the INTC latched it), then quiet.
//
// One dispatcher thread per (controller, PS line), only while someone waits on it: it calls
// Device::WaitIrq in slices and ends waits whose deadline has passed. Registrations are
// charged to the caller's session as one handle each and end with it; reprogramming the PL
// ends them all (pending waits CANCELLED, later waits ERROR naming the replaced design).
#ifndef PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_HUB_H_
#define PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_HUB_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "overlay/hwh_interrupts.h"
#include "state/shared_state.h"

namespace pynq_remote::service {

/// PG099's register offsets, the ones the hub uses.
inline constexpr uint64_t kIntcIpr = 0x04, kIntcIer = 0x08, kIntcIar = 0x0C, kIntcSie = 0x10,
                          kIntcCie = 0x14, kIntcMer = 0x1C;

struct IrqRegistration {
  std::string pin_name;     // the .hwh pin path; may be empty
  uint32_t pin_index = 0;   // its input on the INTC
  uint32_t raw_irq = 0;     // PYNQ's: the GIC number of the PS line (0: none given)
  uint64_t controller = 0;  // the INTC's base; 0 for a pin wired straight to the PS
};

struct IrqWaitOutcome {
  enum class Kind { kFired, kTimeout, kError, kCancelled };
  Kind kind = Kind::kError;
  std::string message;  // for kError and kCancelled
  uint64_t sim_ps = 0;  // kFired: when the PS line rose, in simulated ps (0 on hardware)
};

class InterruptHub {
 public:
  /// Hooks itself into state.fpga (reprogramming ends registrations) and reads the .hwh of
  /// the design loaded now, if any. `state` must outlive the hub.
  explicit InterruptHub(SharedState& state);
  ~InterruptHub();
  InterruptHub(const InterruptHub&) = delete;
  InterruptHub& operator=(const InterruptHub&) = delete;

  /// A new id "irq_N" charged to `caller`. Errors (the message is the client's msg):
  /// kNotProgrammed, kUnknownId (pin not in the .hwh, or not wired: the message lists what
  /// is), kInvalidArgument (base and index disagree with the .hwh, nothing named, bad index
  /// or raw_irq), kPermissionDenied (the INTC is outside what MMIO may reach),
  /// kLimitExceeded, kCancelled (the server is stopping), and bus errors from the INTC.
  Result<std::string> Register(const std::string& caller, const IrqRegistration& request);

  using WaitDone = std::function<void(const IrqWaitOutcome&)>;
  /// Starts a wait: `done` runs exactly once, from this thread before Wait returns (an
  /// outcome known at once: pending, unknown id, ...) or later from a dispatcher, Release,
  /// CancelWait, reprogramming or Shutdown. Never called with the hub's lock held.
  /// timeout_ms 0 waits until fired. Returns the ticket for CancelWait, 0 when done ran.
  uint64_t Wait(const std::string& caller, const std::string& id, uint32_t timeout_ms,
                WaitDone done);
  /// Ends the wait now with kCancelled and `why`, unless it has ended. Idempotent.
  void CancelWait(uint64_t ticket, const std::string& why);

  /// Errors: kUnknownId (never registered, released, or another session's).
  Status Release(const std::string& caller, const std::string& id);
  /// The session ended: its registrations go, their waits end CANCELLED.
  void ReleaseSession(const std::string& session);

  /// The server is stopping: every wait ends CANCELLED now, later ones at once; threads
  /// joined. Idempotent.
  void Shutdown();

  /// For tests and logs.
  size_t waiters() const;
  size_t registrations() const;
  size_t running_dispatchers() const;

 private:
  struct Reg {
    std::string owner;
    std::string pin;  // for messages: the pin path or "input 3 of the INTC at 0xA0010000"
    std::string design;
    uint64_t base = 0;  // 0: straight to the PS
    int index = 0;
    int line = 0;
    bool pending = false;
    uint64_t sim_ps = 0;
    std::string invalid;  // why it no longer works (reprogrammed); empty while it does
  };
  struct Waiter {
    std::string id;
    uint64_t base = 0;
    int line = 0;
    std::chrono::steady_clock::time_point deadline;
    WaitDone done;
  };
  struct Dispatcher {
    uint64_t base = 0;
    int line = 0;
    bool running = false;
    std::thread thread;
  };
  using Completion = std::pair<WaitDone, IrqWaitOutcome>;

  void OnProgrammed(const std::string& firmware, bool ok);
  std::shared_ptr<const overlay::HwhInterrupts> LoadHwh(const std::string& firmware) const;
  // Register's checks, before anything is touched. Sets base/index/line/pin of *reg.
  Status ResolveLocked(const IrqRegistration& request, Reg* reg) const;
  void EnsureDispatcherLocked(uint64_t base, int line);
  void RunDispatcher(Dispatcher* d);
  // Moves the waits matching `pred` out of waiters_ into *out with `outcome`.
  template <class Pred>
  void EndWaitsLocked(Pred pred, const IrqWaitOutcome& outcome, std::vector<Completion>* out);
  // Takes out a registration: its waits end CANCELLED with `why`; its input is disabled when
  // no other registration uses it.
  void RemoveLocked(const std::string& id, const std::string& why, std::vector<Completion>* out);
  std::string UnknownIdMessage(const std::string& id) const;
  static void Run(std::vector<Completion>& completions);

  SharedState& state_;
  const bool zynqmp_;

  mutable std::mutex mu_;  // guards everything below; held across the hub's INTC accesses
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> stop_flag_{false};  // stopping_, for the dispatchers' StopToken
  uint64_t next_id_ = 0;
  uint64_t next_ticket_ = 1;
  std::string design_;        // the firmware loaded, as the hook named it ("gpio_intc.bin")
  std::string design_error_;  // why the PL is empty after a failed programming
  std::shared_ptr<const overlay::HwhInterrupts> hwh_;  // null when the board holds none
  std::set<uint64_t> initialized_;  // INTCs set up (IER = 0, MER = 3) since programming
  std::map<std::string, Reg> regs_;
  std::map<uint64_t, Waiter> waiters_;
  std::map<std::pair<uint64_t, int>, std::unique_ptr<Dispatcher>> dispatchers_;
};

}  // namespace pynq_remote::service

#endif  // PYNQ_REMOTE_SERVER_SERVICE_INTERRUPT_HUB_H_
