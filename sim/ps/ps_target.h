// PsTarget: the PS configuration registers (PsRegisters) and the PS GPIO controller (PsGpio)
// as a TLM-2.0 target.
#ifndef PYNQ_REMOTE_SIM_PS_PS_TARGET_H_
#define PYNQ_REMOTE_SIM_PS_PS_TARGET_H_

#include <tlm_utils/simple_target_socket.h>

#include <cstring>
#include <systemc>
#include <tlm>

#include "ps/ps_gpio.h"
#include "ps/ps_registers.h"

namespace pynq_remote::sim {

class PsTarget : public sc_core::sc_module {
 public:
  tlm_utils::simple_target_socket<PsTarget> socket;

  PsTarget(sc_core::sc_module_name name, PsRegisters* regs, PsGpio* gpio)
      : sc_module(name), socket("socket"), regs_(regs), gpio_(gpio) {
    socket.register_b_transport(this, &PsTarget::BTransport);
  }

 private:
  void BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time&) {
    const unsigned len = gp.get_data_length();
    if (len != 1 && len != 2 && len != 4 && len != 8) {
      gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
      return;
    }
    uint64_t value = 0;
    bool ok;
    if (gpio_->Decodes(gp.get_address(), len)) {
      // The controller's APB port takes whole words: anything else is a slave error.
      if (gp.is_write()) {
        std::memcpy(&value, gp.get_data_ptr(), len);
        ok = gpio_->Write(gp.get_address(), static_cast<int>(len), value);
      } else {
        ok = gpio_->Read(gp.get_address(), static_cast<int>(len), &value);
        if (ok) std::memcpy(gp.get_data_ptr(), &value, len);
      }
      gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_GENERIC_ERROR_RESPONSE);
      return;
    }
    if (gp.is_write()) {
      std::memcpy(&value, gp.get_data_ptr(), len);
      ok = regs_->Write(gp.get_address(), static_cast<int>(len), value);
    } else {
      ok = regs_->Read(gp.get_address(), static_cast<int>(len), &value);
      if (ok) std::memcpy(gp.get_data_ptr(), &value, len);
    }
    gp.set_response_status(ok ? tlm::TLM_OK_RESPONSE : tlm::TLM_ADDRESS_ERROR_RESPONSE);
  }

  PsRegisters* regs_;
  PsGpio* gpio_;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PS_PS_TARGET_H_
