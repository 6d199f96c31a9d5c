// BoardTop: the SystemC top of the simulated board. The host-side TLM initiator (HostInitiator)
// -> Interconnect -> {DDR, PS registers, PL socket}; the PL's AXI masters (one bridge per
// master port, all through the PL socket's ddr_socket) -> DDR.
// One per process (SystemC has one kernel); SimDevice instances take turns on it.
// Every method must be called with the owner's board mutex held.
#ifndef PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_
#define PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_

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

  /// The process-wide board, elaborated on first use.
  static BoardTop& Get();

  /// Runs `cycles` PL cycles as one quantum (one sc_start).
  void RunQuantum(uint64_t cycles);
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BOARD_BOARD_TOP_H_
