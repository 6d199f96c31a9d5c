// Interconnect: the board's address decoder. DDR low, the PS register windows (with the PS
// GPIO controller's), and the PL
// windows of the board profile (ZynqMP M_AXI_HPM0/1_FPD, each also at 0x4_0000_0000 /
// 0x5_0000_0000, and M_AXI_HPM0_LPD; Zynq-7000 M_AXI_GP0/1). Addresses pass through
// untranslated: the PL's AXI4-Lite bridge keeps the low 32 bits, so a high-window access reaches
// the design as its low 32 bits (rtl/README.md, the shell convention). Anything else:
// TLM_ADDRESS_ERROR_RESPONSE (DECERR).
#ifndef PYNQ_REMOTE_SIM_BOARD_INTERCONNECT_H_
#define PYNQ_REMOTE_SIM_BOARD_INTERCONNECT_H_

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <systemc>
#include <tlm>
#include <utility>
#include <vector>

#include "device/device.h"
#include "ps/ps_gpio.h"
#include "ps/ps_registers.h"

namespace pynq_remote::sim {

class Interconnect : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<Interconnect> tgt_socket;
  tlm_utils::simple_initiator_socket<Interconnect> ddr_socket;
  tlm_utils::simple_initiator_socket<Interconnect> ps_socket;
  tlm_utils::simple_initiator_socket<Interconnect> pl_socket;

  Interconnect(sc_core::sc_module_name name, const PsRegisters* ps, const PsGpio* gpio)
      : sc_module(name),
        tgt_socket("tgt_socket"),
        ddr_socket("ddr_socket"),
        ps_socket("ps_socket"),
        pl_socket("pl_socket"),
        ps_(ps),
        gpio_(gpio) {
    tgt_socket.register_b_transport(this, &Interconnect::BTransport);
  }

  /// The board's map, fixed while a SimDevice owns the board (set with the board mutex held).
  void Configure(uint64_t ddr_size, std::vector<AddressWindow> pl_windows) {
    ddr_size_ = ddr_size;
    pl_windows_ = std::move(pl_windows);
  }

  bool InPl(uint64_t addr, uint64_t len) const {
    for (const AddressWindow& w : pl_windows_) {
      if (w.Contains(addr, len)) return true;
    }
    return false;
  }

 private:
  void BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
    const uint64_t addr = gp.get_address(), len = gp.get_data_length();
    if (InPl(addr, len)) {
      pl_socket->b_transport(gp, delay);
    } else if (ps_->Decodes(addr, len) || gpio_->Decodes(addr, len)) {
      ps_socket->b_transport(gp, delay);
    } else if (len <= ddr_size_ && addr <= ddr_size_ - len) {
      ddr_socket->b_transport(gp, delay);
    } else {
      gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    }
  }

  const PsRegisters* ps_;
  const PsGpio* gpio_;
  uint64_t ddr_size_ = 0;
  std::vector<AddressWindow> pl_windows_;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BOARD_INTERCONNECT_H_
