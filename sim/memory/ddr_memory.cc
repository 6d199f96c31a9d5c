#include "memory/ddr_memory.h"

#include <cstring>

namespace pynq_remote::sim {

DdrMemory::DdrMemory(sc_core::sc_module_name name) : sc_module(name), socket("socket") {
  socket.register_b_transport(this, &DdrMemory::BTransport);
  socket.register_get_direct_mem_ptr(this, &DdrMemory::GetDirectMemPtr);
  socket.register_transport_dbg(this, &DdrMemory::TransportDbg);
}

void DdrMemory::SetStore(SparseStore* store) {
  store_ = store;
  // Initiators holding DMI pointers into the old store must drop them (once bound).
  const sc_core::sc_status status = sc_core::sc_get_status();
  if (status == sc_core::SC_ELABORATION || status == sc_core::SC_BEFORE_END_OF_ELABORATION) return;
  for (unsigned i = 0; i < socket.size(); ++i) {
    socket[i]->invalidate_direct_mem_ptr(0, ~0ull);
  }
}

bool DdrMemory::Access(tlm::tlm_generic_payload& gp) {
  const uint64_t addr = gp.get_address();
  const unsigned len = gp.get_data_length();
  if (store_ == nullptr || !store_->Contains(addr, len)) {
    gp.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return false;
  }
  if (gp.get_streaming_width() != 0 && gp.get_streaming_width() < len) {
    gp.set_response_status(tlm::TLM_BURST_ERROR_RESPONSE);
    return false;
  }
  uint8_t* mem = store_->data() + addr;
  uint8_t* data = gp.get_data_ptr();
  const uint8_t* be = gp.get_byte_enable_ptr();
  const unsigned be_len = gp.get_byte_enable_length();
  if (gp.is_write()) {
    if (be == nullptr) {
      std::memcpy(mem, data, len);
    } else {
      for (unsigned i = 0; i < len; ++i) {
        if (be[i % be_len] == TLM_BYTE_ENABLED) mem[i] = data[i];
      }
    }
  } else if (gp.is_read()) {
    std::memcpy(data, mem, len);
  }
  gp.set_dmi_allowed(true);
  gp.set_response_status(tlm::TLM_OK_RESPONSE);
  return true;
}

void DdrMemory::BTransport(int, tlm::tlm_generic_payload& gp, sc_core::sc_time&) { Access(gp); }

unsigned int DdrMemory::TransportDbg(int, tlm::tlm_generic_payload& gp) {
  return Access(gp) ? gp.get_data_length() : 0;
}

bool DdrMemory::GetDirectMemPtr(int, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi) {
  if (store_ == nullptr || gp.get_address() >= store_->size()) return false;
  dmi.set_dmi_ptr(store_->data());
  dmi.set_start_address(0);
  dmi.set_end_address(store_->size() - 1);
  dmi.allow_read_write();
  dmi.set_read_latency(sc_core::SC_ZERO_TIME);
  dmi.set_write_latency(sc_core::SC_ZERO_TIME);
  return true;
}

}  // namespace pynq_remote::sim
