#include "pl/pl_socket.h"

namespace pynq_remote::sim {

// A design-less cycle: the PL clock runs, nothing listens.
class NullHook final : public EdgeHook {
 public:
  bool OnEdge(ShellPins&) override { return false; }
};

PlSocket::PlSocket(sc_core::sc_module_name name)
    : sc_module(name), axil_bridge("axil_bridge", this), axi_bridge("axi_bridge") {
  SC_THREAD(RunnerThread);
}

void PlSocket::Load(std::unique_ptr<PlDesign> design) {
  design_ = std::move(design);
  if (design_) {
    design_->SetHalfPeriodPs(period_ps_ / 2);
    Reset();
  }
}

void PlSocket::Reset() {
  if (!design_) return;
  ShellPins& p = design_->pins();
  axil_bridge.Reset(p.s_axil);
  axi_bridge.Reset(p.m_axi);
  p.rst_n = false;
  Tick(kResetCycles);
  p.rst_n = true;
}

void PlSocket::SetPeriodPs(uint64_t ps) {
  period_ps_ = ps > 1 ? ps : 2;
  if (design_) design_->SetHalfPeriodPs(period_ps_ / 2);
}

bool PlSocket::busy() const {
  return design_ != nullptr && (design_->pins().busy || axi_bridge.Active());
}

uint16_t PlSocket::irq() const { return design_ != nullptr ? design_->pins().irq : 0; }

void PlSocket::ResetCounters() {
  cycles_ = 0;
  time_ps_ = 0;
}

bool PlSocket::OnEdge(ShellPins& pins) {
  axi_bridge.Edge(pins.m_axi);
  const bool beat_done = axil_bridge.Edge(pins.s_axil);
  if (!stop_on_beat_) return false;
  if (beat_done) return true;
  // A slave answers within a few cycles; a wait this long is sitting out its timeout, and
  // ends early when the server stops. Asked every 4096 cycles, so an ordinary access never
  // sees the flag and keeps working while in-flight calls finish.
  return (++beat_wait_cycles_ & 0xFFF) == 0 && abort_ != nullptr &&
         abort_->load(std::memory_order_relaxed);
}

uint64_t PlSocket::Tick(uint64_t cycles) {
  uint64_t ran = cycles;
  if (design_) {
    ran = design_->Run(cycles, *this);
  }
  cycles_ += ran;
  time_ps_ += ran * period_ps_;
  return ran;
}

uint64_t PlSocket::RunNow(uint64_t cycles) { return Tick(cycles); }

AxiLitePins* PlSocket::AxiLitePinsOrNull() { return design_ ? &design_->pins().s_axil : nullptr; }

uint64_t PlSocket::RunUntilBeatDone(uint64_t max_cycles) {
  stop_on_beat_ = true;
  beat_wait_cycles_ = 0;
  const uint64_t ran = Tick(max_cycles);
  stop_on_beat_ = false;
  return ran;
}

sc_core::sc_time PlSocket::CyclePeriod() const {
  return sc_core::sc_time(static_cast<double>(period_ps_), sc_core::SC_PS);
}

void PlSocket::Schedule(uint64_t cycles) {
  scheduled_ += cycles;
  run_event_.notify(sc_core::SC_ZERO_TIME);
}

void PlSocket::RunnerThread() {
  while (true) {
    sc_core::wait(run_event_);
    const uint64_t cycles = scheduled_;
    scheduled_ = 0;
    const uint64_t ran = Tick(cycles);
    // SystemC time catches up with the PL once per quantum.
    sc_core::wait(CyclePeriod() * static_cast<double>(ran));
  }
}

}  // namespace pynq_remote::sim
