#include "board/board_top.h"

#include <cstdlib>
#include <cstring>

namespace pynq_remote::sim {

BoardTop::BoardTop(sc_core::sc_module_name name)
    : sc_module(name),
      ddr("ddr"),
      ps("ps", &ps_regs),
      pl("pl"),
      bus("bus", &ps_regs),
      host_socket("host_socket") {
  host_socket.bind(bus.tgt_socket);
  bus.ddr_socket.bind(ddr.socket);
  bus.ps_socket.bind(ps.socket);
  bus.pl_socket.bind(pl.axil_bridge.tgt_socket);
  pl.axi_bridge.init_socket.bind(ddr.socket);
  SC_THREAD(HostThread);
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

size_t BoardTop::RunHostOps(MmioOp* ops, size_t count, tlm::tlm_response_status* status) {
  ops_ = ops;
  count_ = count;
  completed_ = 0;
  status_ = tlm::TLM_OK_RESPONSE;
  host_event_.notify(sc_core::SC_ZERO_TIME);
  sc_core::sc_start();  // returns when the host thread is done and nothing else is pending
  *status = status_;
  ops_ = nullptr;
  return completed_;
}

void BoardTop::RunQuantum(uint64_t cycles) {
  pl.Schedule(cycles);
  sc_core::sc_start();
}

void BoardTop::HostThread() {
  tlm::tlm_generic_payload gp;
  uint8_t data[8];
  while (true) {
    sc_core::wait(host_event_);
    sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
    for (size_t i = 0; i < count_; ++i) {
      MmioOp& op = ops_[i];
      const bool write = op.kind == MmioOp::Kind::kWrite;
      std::memcpy(data, &op.value, sizeof data);
      gp.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
      gp.set_address(op.addr);
      gp.set_data_ptr(data);
      gp.set_data_length(static_cast<unsigned>(op.width));
      gp.set_streaming_width(static_cast<unsigned>(op.width));
      gp.set_byte_enable_ptr(nullptr);
      gp.set_byte_enable_length(0);
      gp.set_dmi_allowed(false);
      gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
      host_socket->b_transport(gp, delay);
      if (gp.get_response_status() != tlm::TLM_OK_RESPONSE) {
        status_ = gp.get_response_status();
        break;
      }
      if (!write) {
        uint64_t value = 0;
        std::memcpy(&value, data, static_cast<size_t>(op.width));
        op.value = value;
      }
      ++completed_;
    }
    // Loosely timed: the PL ran ahead inline; SystemC time catches up once per batch.
    if (delay > sc_core::SC_ZERO_TIME) sc_core::wait(delay);
  }
}

}  // namespace pynq_remote::sim
