// HostInitiator: the PS CPU's side of MMIO, as a TLM-2.0 initiator. A batch of MmioOps is
// handed in from outside the kernel (Run), executed by an SC_THREAD through b_transport in
// order, stopping at the first error, and SystemC time catches up once per batch (the PL ran
// ahead inline: loosely timed, temporally decoupled).
#ifndef PYNQ_REMOTE_SIM_BOARD_HOST_INITIATOR_H_
#define PYNQ_REMOTE_SIM_BOARD_HOST_INITIATOR_H_

#include <tlm_utils/simple_initiator_socket.h>

#include <cstring>
#include <systemc>
#include <tlm>

#include "device/device.h"

namespace pynq_remote::sim {

class HostInitiator : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<HostInitiator> init_socket;

  SC_HAS_PROCESS(HostInitiator);
  explicit HostInitiator(sc_core::sc_module_name name)
      : sc_module(name), init_socket("init_socket") {
    SC_THREAD(Thread);
  }

  /// Runs `ops` (one sc_start for the batch) from outside the kernel; the caller holds
  /// BoardTop::KernelLock. Returns the ops that completed; `status` is the TLM status
  /// of the first that did not (else TLM_OK_RESPONSE).
  size_t Run(MmioOp* ops, size_t count, tlm::tlm_response_status* status) {
    ops_ = ops;
    count_ = count;
    completed_ = 0;
    status_ = tlm::TLM_OK_RESPONSE;
    start_.notify(sc_core::SC_ZERO_TIME);
    sc_core::sc_start();  // returns when this batch is done and nothing else is pending
    *status = status_;
    ops_ = nullptr;
    return completed_;
  }

 private:
  void Thread() {
    tlm::tlm_generic_payload gp;
    uint8_t data[8];
    while (true) {
      sc_core::wait(start_);
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
        init_socket->b_transport(gp, delay);
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
      if (delay > sc_core::SC_ZERO_TIME) sc_core::wait(delay);
    }
  }

  sc_core::sc_event start_;
  MmioOp* ops_ = nullptr;
  size_t count_ = 0;
  size_t completed_ = 0;
  tlm::tlm_response_status status_ = tlm::TLM_OK_RESPONSE;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BOARD_HOST_INITIATOR_H_
