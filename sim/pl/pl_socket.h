// PlSocket: the fixed PL shell on the board. Holds the currently loaded design (swappable at
// run time), owns its clock loop, and joins its pins to the board through the bridges, which
// it drives once per clock edge: the GP windows (tgt_socket) -> Tlm2AxiLiteBridge -> s_axil_*,
// and each of the design's master ports (m_axi_<port>_*) -> its own Axi2TlmBridge ->
// ddr_socket -> DDR. The master bridges are made on Load from the design's master_ports().
// Temporal decoupling: PL cycles run inline, many per SystemC wake-up (a quantum, or a host
// access run until its AXI response); the SystemC time follows with one wait() per quantum
// or host batch.
#ifndef PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_
#define PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_

#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <atomic>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "bridges/axi2tlm_bridge.h"
#include "bridges/tlm2axilite_bridge.h"
#include "pl/pl_design.h"
#include "ps/ps_gpio.h"

namespace pynq_remote::sim {

class PlSocket : public sc_core::sc_module, private EdgeHook {
 public:
  static constexpr uint64_t kResetCycles = 8;

  tlm_utils::simple_target_socket<PlSocket> tgt_socket;     // the GP windows
  tlm_utils::simple_initiator_socket<PlSocket> ddr_socket;  // every master port's bridge
  Tlm2AxiLiteBridge axil_bridge;                            // GP window accesses -> s_axil_*

  SC_HAS_PROCESS(PlSocket);
  explicit PlSocket(sc_core::sc_module_name name);

  /// Why `design` cannot be loaded (its pins do not match its master ports, or a port has a
  /// data width no bridge carries); empty: it can.
  static std::string CheckDesign(PlDesign& design);
  /// Loads `design` (null: empties the PL) and holds it in reset for kResetCycles.
  /// std::invalid_argument (PL left empty) when CheckDesign refuses it.
  void Load(std::unique_ptr<PlDesign> design);
  /// Pulses rst_n for kResetCycles cycles.
  void Reset();
  bool loaded() const { return design_ != nullptr; }
  /// The loaded design's master port bridges, index i <-> master_ports()[i].
  const std::vector<std::unique_ptr<Axi2TlmBridge>>& master_bridges() const { return bridges_; }

  /// Arms the runner process to run `cycles` in the next sc_start() (from outside SystemC).
  void Schedule(uint64_t cycles);

  void SetPeriodPs(uint64_t ps);
  uint64_t period_ps() const { return period_ps_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t time_ps() const { return time_ps_; }
  /// The design's busy output or a burst in flight on any master port, as of the last cycle.
  bool busy() const;
  uint16_t irq() const;
  /// Restarts cycle and time counting (a new SimDevice on the board).
  void ResetCounters();
  /// While `*abort` is true, a host access that has waited thousands of cycles for its
  /// AXI-Lite response stops waiting (it ends as a bus timeout): the server is stopping.
  /// Accesses answered in the usual few cycles are not affected. Null: never.
  void SetAbortFlag(const std::atomic<bool>* abort) { abort_ = abort; }
  /// The PS GPIO whose EMIO pins the shell carries (emio_gpio_o/_t out of its DATA and OEN,
  /// emio_gpio_i into its DATA_RO), copied once per cycle when they change. Null: none.
  void SetGpio(PsGpio* gpio) { gpio_ = gpio; }

 private:
  void RunnerThread();
  /// A GP window access: runs the PL inline until axil_bridge has its response.
  void BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay);
  bool OnEdge(ShellPins& pins) override;
  void InvalidateDmi(sc_dt::uint64 start, sc_dt::uint64 end);
  sc_core::sc_time CyclePeriod() const;
  uint64_t Tick(uint64_t cycles);
  void SyncEmio(ShellPins& pins);

  std::unique_ptr<PlDesign> design_;
  std::vector<std::unique_ptr<Axi2TlmBridge>> bridges_;
  sc_core::sc_event run_event_;
  uint64_t scheduled_ = 0;
  uint64_t period_ps_ = 10000;
  uint64_t cycles_ = 0;
  uint64_t time_ps_ = 0;
  const std::atomic<bool>* abort_ = nullptr;
  PsGpio* gpio_ = nullptr;
  uint64_t emio_seen_ = 0;  // the PsGpio emio_generation() last copied (0: none yet)
  EmioBits emio_in_{};      // emio_gpio_i last handed to the PS GPIO
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_
