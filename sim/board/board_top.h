// BoardTop: the SystemC top of the simulated board. The host-side TLM initiator (HostInitiator)
// -> Interconnect -> {DDR, PS registers, PL socket}; the PL's AXI masters (one bridge per
// master port, all through the PL socket's ddr_socket) -> DDR.
// A process has one SystemC kernel, elaborated once: it holds a fixed pool of boards (one
// unless the server serves several, SetPoolSize), each driven by at most one SimDevice at a
// time. The boards' simulations take turns on the kernel (KernelLock around every
// sc_start): each sc_start runs until nothing is pending, so one board's run never leaves
// work for another's. Every other method must be called with the owner's board mutex held.
#ifndef PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_
#define PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_

#include <cstddef>
#include <mutex>
#include <systemc>

#include "board/host_initiator.h"
#include "board/interconnect.h"
#include "memory/ddr_memory.h"
#include "pl/pl_socket.h"
#include "ps/ps_gpio.h"
#include "ps/ps_registers.h"
#include "ps/ps_target.h"

namespace pynq_remote::sim {

class BoardTop : public sc_core::sc_module {
 public:
  PsRegisters ps_regs;
  PsGpio ps_gpio;
  DdrMemory ddr;
  PsTarget ps;
  PlSocket pl;
  Interconnect bus;
  HostInitiator host;

  explicit BoardTop(sc_core::sc_module_name name);

  /// How many boards the kernel holds. Only before the pool is elaborated (the first Get or
  /// Acquire); false after, unless `count` is the size it already has.
  static bool SetPoolSize(size_t count);
  static size_t PoolSize();

  /// A board no SimDevice drives, elaborating the pool on first use; null when all are taken.
  static BoardTop* Acquire();
  static void Release(BoardTop* board);

  /// The pool's first board, elaborated on first use (tests that drive a board directly).
  static BoardTop& Get();

  /// Held around every sc_start: the kernel runs one board's work at a time.
  static std::unique_lock<std::mutex> KernelLock();

  /// Runs `cycles` PL cycles as one quantum (one sc_start).
  void RunQuantum(uint64_t cycles);
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_
