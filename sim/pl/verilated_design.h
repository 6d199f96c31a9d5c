// VerilatedDesign<V>: a Verilated model (plain C++ mode) behind PlDesign. The generated V class
// is used untouched; only the shell pin names (rtl/README.md) are assumed.
#ifndef PYNQ_REMOTE_SIM_PL_VERILATED_DESIGN_H_
#define PYNQ_REMOTE_SIM_PL_VERILATED_DESIGN_H_

#include <verilated.h>
#if VM_TRACE_FST
#include <verilated_fst_c.h>
#elif VM_TRACE
#include <verilated_vcd_c.h>
#endif

#include <memory>
#include <string>

#include "pl/pl_design.h"

namespace pynq_remote::sim {

template <class V>
class VerilatedDesign final : public PlDesign {
 public:
  VerilatedDesign(std::string name, const DesignOptions& options)
      : name_(std::move(name)), context_(std::make_unique<VerilatedContext>()) {
    context_->debug(0);
    context_->randReset(0);
    // The models are Verilated single-threaded. A context defaults to one thread per CPU and
    // would start that many minus one idle workers per loaded design, each writing Verilator's
    // unlocked global last-context pointer as it starts, racing the next design's context
    // construction on another thread (found by ThreadSanitizer).
    context_->threads(1);
    // Tracing must be allowed before the model is built, or trace() has nothing to hook.
    if (!options.trace_path.empty()) context_->traceEverOn(true);
    model_ = std::make_unique<V>(context_.get(), "pl");
    model_->clk = 0;
    model_->rst_n = 0;
    model_->eval();
    if (!options.trace_path.empty()) OpenTrace(options.trace_path);
  }
  ~VerilatedDesign() override {
    model_->final();
#if VM_TRACE
    if (trace_) trace_->close();
#endif
  }

  const std::string& name() const override { return name_; }
  ShellPins& pins() override { return pins_; }
  void SetHalfPeriodPs(uint64_t ps) override { half_period_ps_ = ps; }

  bool OpenTrace(const std::string& path) override {
#if VM_TRACE
    trace_ = std::make_unique<Trace>();
    model_->trace(trace_.get(), 99);
    trace_->open(path.c_str());
    return trace_->isOpen();
#else
    (void)path;
    return false;
#endif
  }

  uint64_t Run(uint64_t cycles, EdgeHook& hook) override {
    V& m = *model_;
    ShellPins& p = pins_;
    uint64_t done = 0;
    while (done < cycles) {
      // What the board drives during this cycle.
      m.rst_n = p.rst_n;
      m.s_axil_awaddr = p.s_axil.awaddr;
      m.s_axil_awvalid = p.s_axil.awvalid;
      m.s_axil_wdata = p.s_axil.wdata;
      m.s_axil_wstrb = p.s_axil.wstrb;
      m.s_axil_wvalid = p.s_axil.wvalid;
      m.s_axil_bready = p.s_axil.bready;
      m.s_axil_araddr = p.s_axil.araddr;
      m.s_axil_arvalid = p.s_axil.arvalid;
      m.s_axil_rready = p.s_axil.rready;
      m.m_axi_awready = p.m_axi.awready;
      m.m_axi_wready = p.m_axi.wready;
      m.m_axi_bresp = p.m_axi.bresp;
      m.m_axi_bvalid = p.m_axi.bvalid;
      m.m_axi_arready = p.m_axi.arready;
      m.m_axi_rdata = p.m_axi.rdata;
      m.m_axi_rresp = p.m_axi.rresp;
      m.m_axi_rlast = p.m_axi.rlast;
      m.m_axi_rvalid = p.m_axi.rvalid;
      m.clk = 0;
      m.eval();
      Dump();
      // What the design drives: handshakes happen at the coming edge.
      p.s_axil.awready = m.s_axil_awready;
      p.s_axil.wready = m.s_axil_wready;
      p.s_axil.bresp = m.s_axil_bresp;
      p.s_axil.bvalid = m.s_axil_bvalid;
      p.s_axil.arready = m.s_axil_arready;
      p.s_axil.rdata = m.s_axil_rdata;
      p.s_axil.rresp = m.s_axil_rresp;
      p.s_axil.rvalid = m.s_axil_rvalid;
      p.m_axi.awaddr = m.m_axi_awaddr;
      p.m_axi.awlen = m.m_axi_awlen;
      p.m_axi.awsize = m.m_axi_awsize;
      p.m_axi.awburst = m.m_axi_awburst;
      p.m_axi.awvalid = m.m_axi_awvalid;
      p.m_axi.wdata = m.m_axi_wdata;
      p.m_axi.wstrb = m.m_axi_wstrb;
      p.m_axi.wlast = m.m_axi_wlast;
      p.m_axi.wvalid = m.m_axi_wvalid;
      p.m_axi.bready = m.m_axi_bready;
      p.m_axi.araddr = m.m_axi_araddr;
      p.m_axi.arlen = m.m_axi_arlen;
      p.m_axi.arsize = m.m_axi_arsize;
      p.m_axi.arburst = m.m_axi_arburst;
      p.m_axi.arvalid = m.m_axi_arvalid;
      p.m_axi.rready = m.m_axi_rready;
      p.irq = m.irq;
      p.busy = m.busy;
      const bool stop = hook.OnEdge(p);
      m.clk = 1;
      m.eval();
      Dump();
      ++done;
      if (stop) break;
    }
    // Outputs after the last edge, so busy/irq reflect the state now.
    p.irq = m.irq;
    p.busy = m.busy;
    return done;
  }

 private:
#if VM_TRACE_FST
  using Trace = VerilatedFstC;
#elif VM_TRACE
  using Trace = VerilatedVcdC;
#endif
  void Dump() {
#if VM_TRACE
    if (trace_) {
      trace_time_ += half_period_ps_;
      trace_->dump(trace_time_);
    }
#endif
  }

  std::string name_;
  std::unique_ptr<VerilatedContext> context_;
  std::unique_ptr<V> model_;
  ShellPins pins_;
  uint64_t half_period_ps_ = 5000;
  uint64_t trace_time_ = 0;
#if VM_TRACE
  std::unique_ptr<Trace> trace_;
#endif
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_VERILATED_DESIGN_H_
