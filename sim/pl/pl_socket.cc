#include "pl/pl_socket.h"

#include <limits>

namespace pynq_remote::sim {

PlSocket::PlSocket(sc_core::sc_module_name name)
    : sc_module(name), tgt_socket("tgt_socket"), axi_bridge("axi_bridge") {
  tgt_socket.register_b_transport(this, &PlSocket::BTransport);
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
  if (!p.m_axi.empty()) axi_bridge.Reset(p.m_axi[0]);
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

void PlSocket::BTransport(tlm::tlm_generic_payload& gp, sc_core::sc_time& delay) {
  if (!axil_bridge.Begin(gp, design_ ? &design_->pins().s_axil : nullptr)) return;
  uint64_t ran = 0;
  try {
    // No cycle limit here: every wait of the transaction is bounded by the bridge's timeout.
    ran = Tick(std::numeric_limits<uint64_t>::max());
  } catch (...) {
    // A simulation error mid-access: the bridge must not keep the payload, which is gone.
    if (axil_bridge.in_flight()) axil_bridge.Abandon();
    throw;
  }
  delay += CyclePeriod() * static_cast<double>(ran);
}

bool PlSocket::OnEdge(ShellPins& pins) {
  if (!pins.m_axi.empty()) axi_bridge.Edge(pins.m_axi[0]);
  if (axil_bridge.Edge(pins.s_axil)) return true;  // the host access has its answer
  if (!axil_bridge.in_flight()) return false;
  // A slave answers within a few cycles; a wait this long is sitting out its timeout, and
  // ends early when the server stops. Asked every 4096 cycles, so an ordinary access never
  // sees the flag and keeps working while in-flight calls finish.
  if ((axil_bridge.wait_cycles() & 0xFFF) != 0 || abort_ == nullptr ||
      !abort_->load(std::memory_order_relaxed)) {
    return false;
  }
  axil_bridge.Abandon();
  return true;
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
