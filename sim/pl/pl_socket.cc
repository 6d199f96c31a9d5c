#include "pl/pl_socket.h"

#include <limits>
#include <stdexcept>

namespace pynq_remote::sim {

PlSocket::PlSocket(sc_core::sc_module_name name)
    : sc_module(name), tgt_socket("tgt_socket"), ddr_socket("ddr_socket") {
  tgt_socket.register_b_transport(this, &PlSocket::BTransport);
  ddr_socket.register_invalidate_direct_mem_ptr(this, &PlSocket::InvalidateDmi);
  SC_THREAD(RunnerThread);
}

std::string PlSocket::CheckDesign(PlDesign& design) {
  const std::vector<MasterPortInfo>& ports = design.master_ports();
  if (design.pins().m_axi.size() != ports.size()) {
    return "design " + design.name() + " has " + std::to_string(ports.size()) +
           " master ports but " + std::to_string(design.pins().m_axi.size()) + " pin bundles";
  }
  for (const MasterPortInfo& port : ports) {
    if (port.data_bits != 32 && port.data_bits != 64 && port.data_bits != 128) {
      return "design " + design.name() + ": master port " + port.ps_port + " is " +
             std::to_string(port.data_bits) + " bits wide; the board carries 32, 64 or 128";
    }
  }
  return "";
}

void PlSocket::Load(std::unique_ptr<PlDesign> design) {
  bridges_.clear();
  design_.reset();
  // A new design's pins start at 0: the PS's EMIO outputs go to it on its first cycle, and
  // until it drives them its emio_gpio_i reads 0, as an empty PL's does.
  emio_seen_ = 0;
  emio_in_ = EmioBits{};
  if (gpio_ != nullptr) gpio_->SetEmioInputs(emio_in_);
  if (!design) return;
  const std::string why = CheckDesign(*design);
  if (!why.empty()) throw std::invalid_argument(why);
  for (const MasterPortInfo& port : design->master_ports()) {
    bridges_.push_back(std::make_unique<Axi2TlmBridge>(ddr_socket, port.data_bits / 8));
  }
  design_ = std::move(design);
  design_->SetHalfPeriodPs(period_ps_ / 2);
  Reset();
}

void PlSocket::Reset() {
  if (!design_) return;
  ShellPins& p = design_->pins();
  axil_bridge.Reset(p.s_axil);
  for (size_t i = 0; i < bridges_.size(); ++i) bridges_[i]->Reset(p.m_axi[i]);
  p.rst_n = false;
  Tick(kResetCycles);
  p.rst_n = true;
}

void PlSocket::SetPeriodPs(uint64_t ps) {
  period_ps_ = ps > 1 ? ps : 2;
  if (design_) design_->SetHalfPeriodPs(period_ps_ / 2);
}

bool PlSocket::busy() const {
  if (design_ == nullptr) return false;
  if (design_->pins().busy) return true;
  for (const auto& bridge : bridges_) {
    if (bridge->Active()) return true;
  }
  return false;
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

void PlSocket::SyncEmio(ShellPins& pins) {
  if (gpio_ == nullptr) return;
  const uint64_t generation = gpio_->emio_generation();
  if (generation != emio_seen_) {
    emio_seen_ = generation;
    gpio_->EmioOutputs(&pins.emio_gpio_o, &pins.emio_gpio_t);
  }
  // Word by word: std::array's != is a memcmp call, and this runs every cycle.
  const EmioBits& in = pins.emio_gpio_i;
  if (((in[0] ^ emio_in_[0]) | (in[1] ^ emio_in_[1]) | (in[2] ^ emio_in_[2])) != 0) {
    emio_in_ = pins.emio_gpio_i;
    gpio_->SetEmioInputs(emio_in_);
  }
}

bool PlSocket::OnEdge(ShellPins& pins) {
  SyncEmio(pins);
  // Each master port moves its own beat this edge, as the PS's HP ports are independent.
  for (size_t i = 0; i < bridges_.size(); ++i) bridges_[i]->Edge(pins.m_axi[i]);
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
    SyncEmio(design_->pins());  // what the host changed since the last run
    ran = design_->Run(cycles, *this);
    SyncEmio(design_->pins());  // what the last edge drove
  }
  cycles_ += ran;
  time_ps_ += ran * period_ps_;
  return ran;
}

void PlSocket::InvalidateDmi(sc_dt::uint64, sc_dt::uint64) {
  for (const auto& bridge : bridges_) bridge->InvalidateDmi();
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
