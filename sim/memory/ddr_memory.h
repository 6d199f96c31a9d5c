// The DDR model as a TLM-2.0 target: b_transport with byte enables, DMI over the whole store,
// and debug transport. Two initiators: the board interconnect and the PL socket (whose master
// port bridges share its ddr_socket).
#ifndef PYNQ_REMOTE_SIM_MEMORY_DDR_MEMORY_H_
#define PYNQ_REMOTE_SIM_MEMORY_DDR_MEMORY_H_

#include <tlm_utils/multi_passthrough_target_socket.h>

#include <systemc>
#include <tlm>

#include "memory/sparse_store.h"

namespace pynq_remote::sim {

class DdrMemory : public sc_core::sc_module {
 public:
  tlm_utils::multi_passthrough_target_socket<DdrMemory> socket;

  explicit DdrMemory(sc_core::sc_module_name name);

  /// The store behind the model; swapped when a new SimDevice takes the board.
  void SetStore(SparseStore* store);

 private:
  void BTransport(int id, tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool GetDirectMemPtr(int id, tlm::tlm_generic_payload& gp, tlm::tlm_dmi& dmi);
  unsigned int TransportDbg(int id, tlm::tlm_generic_payload& gp);
  bool Access(tlm::tlm_generic_payload& gp);

  SparseStore* store_ = nullptr;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_MEMORY_DDR_MEMORY_H_
