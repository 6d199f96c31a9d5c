// PlSocket: the fixed PL shell on the board. Holds the currently loaded design (swappable at
// run time), drives its clock, and joins its pins to the board through the two bridges:
// the GP windows -> Tlm2AxiLiteBridge -> s_axil_*, and m_axi_* -> Axi2TlmBridge -> DDR.
// Temporal decoupling: PL cycles run inline, many per SystemC wake-up (a quantum); the
// SystemC time follows with one wait() per quantum or host transaction.
#ifndef PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_
#define PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_

#include <atomic>
#include <memory>
#include <systemc>

#include "bridges/axi2tlm_bridge.h"
#include "bridges/tlm2axilite_bridge.h"
#include "pl/pl_design.h"

namespace pynq_remote::sim {

class PlSocket : public sc_core::sc_module, private EdgeHook, private AxiLiteClock {
 public:
  static constexpr uint64_t kResetCycles = 8;

  Tlm2AxiLiteBridge axil_bridge;  // target socket: the GP windows
  Axi2TlmBridge axi_bridge;       // initiator socket: DDR

  SC_HAS_PROCESS(PlSocket);
  explicit PlSocket(sc_core::sc_module_name name);

  /// Loads `design` (null: empties the PL) and holds it in reset for kResetCycles.
  void Load(std::unique_ptr<PlDesign> design);
  /// Pulses rst_n for kResetCycles cycles.
  void Reset();
  bool loaded() const { return design_ != nullptr; }
  const PlDesign* design() const { return design_.get(); }

  /// Arms the runner process to run `cycles` in the next sc_start() (from outside SystemC).
  void Schedule(uint64_t cycles);
  /// Runs `cycles` inline now (no SystemC time passes). Returns cycles run.
  uint64_t RunNow(uint64_t cycles);

  void SetPeriodPs(uint64_t ps);
  uint64_t period_ps() const { return period_ps_; }
  uint64_t cycles() const { return cycles_; }
  uint64_t time_ps() const { return time_ps_; }
  /// The design's busy output or a master burst in flight, as of the last cycle run.
  bool busy() const;
  uint16_t irq() const;
  /// Restarts cycle and time counting (a new SimDevice on the board).
  void ResetCounters();
  /// While `*abort` is true, a host access that has waited thousands of cycles for its
  /// AXI-Lite response stops waiting (it ends as a bus timeout): the server is stopping.
  /// Accesses answered in the usual few cycles are not affected. Null: never.
  void SetAbortFlag(const std::atomic<bool>* abort) { abort_ = abort; }

 private:
  void RunnerThread();
  bool OnEdge(ShellPins& pins) override;
  AxiLitePins* AxiLitePinsOrNull() override;
  uint64_t RunUntilBeatDone(uint64_t max_cycles) override;
  sc_core::sc_time CyclePeriod() const override;
  uint64_t Tick(uint64_t cycles);

  std::unique_ptr<PlDesign> design_;
  sc_core::sc_event run_event_;
  uint64_t scheduled_ = 0;
  uint64_t period_ps_ = 10000;
  uint64_t cycles_ = 0;
  uint64_t time_ps_ = 0;
  bool stop_on_beat_ = false;
  const std::atomic<bool>* abort_ = nullptr;
  uint64_t beat_wait_cycles_ = 0;  // cycles the current RunUntilBeatDone has waited
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_PL_SOCKET_H_
