// PL-to-PS interrupts through Linux UIO, for Device::WaitIrq. The PL's 16 interrupt outputs
// reach the GIC as shared peripheral interrupts; a device-tree node with compatible
// "generic-uio" (uio_pdrv_genirq) on one of them gives user space /dev/uioN, which is
// readable once the interrupt has fired. PYNQ images ship such a node for line 0.
//
// Which /dev/uioN serves a line is found the way PYNQ's get_uio_irq finds it: the line of
// /proc/interrupts whose hardware IRQ column is the line's GIC interrupt ID names the
// device, and /sys/class/uio/uioN/name holds that same name.
//
// In a fake board tree (CI) /dev/uioN is a FIFO: 4 bytes written into it are one firing,
// which stays pending until a Wait() reports it.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_UIO_INTERRUPTS_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_UIO_INTERRUPTS_H_

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "device/device.h"
#include "device/device_error.h"
#include "device/pl_irq.h"
#include "zynq/board_files.h"

namespace pynq_remote::zynq {

// The line table lives in server/device/pl_irq.h (the interrupt service reads raw_irq by it).
using ::pynq_remote::kPlIrqLines;
using ::pynq_remote::PlIrqGicId;
using ::pynq_remote::PlIrqPortName;

class UioInterrupts {
 public:
  /// Scans <root>/proc/interrupts and <root>/sys/class/uio/*/name through `files` and opens
  /// the /dev/uioN of every line found. Never null: a board without UIO interrupts gets an
  /// object whose Wait() explains what is missing. `files` must outlive the object.
  static std::unique_ptr<UioInterrupts> Discover(const BoardFiles& files, bool zynqmp);

  /// Waits until PL interrupt `line` is asserted: true when it fires (or still is asserted),
  /// false after `timeout`. Every thread waiting on the line when it fires sees it.
  /// kUnknownId for a line outside 0..15 or one no UIO device serves (the message says what
  /// was looked for where, and what to add to the device tree); kInternal with errno text
  /// when the device cannot be opened, enabled, polled or read; kCancelled when `stop` asks
  /// (looked at every kStopCheck) or after Shutdown().
  Result<bool> Wait(int line, std::chrono::milliseconds timeout, const StopToken& stop);

  /// How often a waiter asks its StopToken.
  static constexpr std::chrono::milliseconds kStopCheck{50};

  /// Ends every wait now with kCancelled, and every later one at once (the server stops).
  void Shutdown();

  /// For the start-up log: "lines 0,1 via uio0,uio1" or "no UIO device serves a PL
  /// interrupt".
  std::string Describe() const;

  /// Whether a UIO device serves any PL line now (Info's "irq" capability).
  bool ServesAnyLine() const;

  /// Wakes any waiter (its Wait returns kCancelled), waits for it to leave, closes the fds.
  ~UioInterrupts();

  UioInterrupts(const UioInterrupts&) = delete;
  UioInterrupts& operator=(const UioInterrupts&) = delete;

 private:
  // One served line. Created once and never removed, so a waiter may use it unlocked.
  struct Line {
    int fd = -1;
    std::string device;  // "uio0"
    bool fifo = false;   // a fake board's named pipe: no irqcontrol write
    uint64_t fired = 0;  // firings seen by the poller; waiters compare against it
    int waiters = 0;
    bool polling = false;      // one waiter at a time polls the fd, the others wait on cv_
    bool drain_stale = false;  // a count pending from before anyone waited is history
    std::string gone;          // why the device stopped answering; empty while it works
  };

  UioInterrupts(const BoardFiles& files, bool zynqmp, int wake_fd);

  // Finds the UIO devices of lines not served yet and opens them. Called with mu_ held.
  void ScanLocked();
  // Why `line` has no device: what was looked for where, what exists, what to do.
  std::string NotServedMessage(int line) const;
  // Polls the line's fd until `deadline`, by the waiter holding `polling`: true when it
  // fired, false on timeout, kCancelled when `stop` asks. Sets *gone when the device itself
  // failed. Called without mu_.
  Result<bool> Poll(const Line& line, bool drain, std::chrono::steady_clock::time_point deadline,
                    const StopToken& stop, bool* gone) const;
  // Sets closing_ and wakes every waiter and poller. Called with mu_ held.
  void WakeAllLocked();

  const BoardFiles& files_;
  const bool zynqmp_;
  const int wake_fd_;  // eventfd; readable once closing (Shutdown, destructor): ends every poll

  mutable std::mutex mu_;
  std::condition_variable cv_;  // a firing, a poller leaving, a waiter leaving, closing
  std::array<std::unique_ptr<Line>, kPlIrqLines> lines_;
  std::array<std::string, kPlIrqLines> scan_notes_;  // per line: why the last scan failed
  std::string uio_devices_;                          // "uio0 'fabric', uio1 'gpio'"
  int active_waiters_ = 0;
  bool closing_ = false;
};

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_UIO_INTERRUPTS_H_
