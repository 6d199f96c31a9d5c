#include "board/board_top.h"

#include <cstdlib>

namespace pynq_remote::sim {

BoardTop::BoardTop(sc_core::sc_module_name name)
    : sc_module(name),
      ddr("ddr"),
      ps("ps", &ps_regs, &ps_gpio),
      pl("pl"),
      bus("bus", &ps_regs, &ps_gpio),
      host("host") {
  host.init_socket.bind(bus.tgt_socket);
  bus.ddr_socket.bind(ddr.socket);
  bus.ps_socket.bind(ps.socket);
  bus.pl_socket.bind(pl.tgt_socket);
  pl.ddr_socket.bind(ddr.socket);
  pl.SetGpio(&ps_gpio);
}

BoardTop& BoardTop::Get() {
  static BoardTop* board = [] {
    // No banner in the server's log.
    setenv("SYSC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    auto* top = new BoardTop("board");
    sc_core::sc_start(sc_core::SC_ZERO_TIME);  // end of elaboration, processes initialised
    return top;
  }();
  return *board;
}

void BoardTop::RunQuantum(uint64_t cycles) {
  pl.Schedule(cycles);
  sc_core::sc_start();
}

}  // namespace pynq_remote::sim
