// VerilatedDesign<V, Binding>: a Verilated model (plain C++ mode) behind PlDesign. The generated
// V class is used untouched; Binding (generated per design by rtl/tools/gen_binding.py from the
// top's header) copies the shell pins (rtl/README.md) between ShellPins and the model:
//   static std::vector<MasterPortInfo> Ports();
//   static void Drive(V& m, const ShellPins& p);   // board -> design inputs (not clk)
//   static void Sample(const V& m, ShellPins& p);  // design outputs -> pins
//   static void SampleSettled(const V& m, ShellPins& p);  // irq, busy, emio_gpio_i only
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
#include <vector>

#include "pl/pl_design.h"

namespace pynq_remote::sim {

template <class V, class Binding>
class VerilatedDesign final : public PlDesign {
 public:
  /// `threads`: what the model was Verilated with (--threads; 1 unless the design's build
  /// asked for more, rtl/README.md).
  VerilatedDesign(std::string name, const DesignOptions& options, unsigned threads = 1)
      : name_(std::move(name)),
        ports_(Binding::Ports()),
        context_(std::make_unique<VerilatedContext>()) {
    pins_.m_axi.resize(ports_.size());
    context_->debug(0);
    context_->randReset(0);
    // Exactly the model's threads. A context defaults to one thread per CPU and would start
    // that many minus one idle workers per loaded design, each writing Verilator's unlocked
    // global last-context pointer as it starts, racing the next design's context construction
    // on another thread (found by ThreadSanitizer); a model Verilated with --threads N needs N.
    context_->threads(threads > 1 ? threads : 1);
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
  const std::vector<MasterPortInfo>& master_ports() const override { return ports_; }
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
      Binding::Drive(m, p);
      m.clk = 0;
      m.eval();
      Dump();
      // What the design drives: handshakes happen at the coming edge.
      Binding::Sample(m, p);
      const bool stop = hook.OnEdge(p);
      m.clk = 1;
      m.eval();
      Dump();
      ++done;
      if (stop) break;
    }
    // Outputs after the last edge, so busy/irq/EMIO reflect the state now.
    Binding::SampleSettled(m, p);
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
  std::vector<MasterPortInfo> ports_;
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
