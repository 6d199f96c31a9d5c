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

#include <unistd.h>

#include <memory>
#include <set>
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
    // Tracing must be allowed before the model is built, or trace() has nothing to hook; a
    // window trace (StartTrace) may be asked for at any time. It costs nothing while no trace
    // is open: the flag is only read when a trace file opens.
    context_->traceEverOn(true);
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
    whole_run_path_ = path;
    return trace_->isOpen();
#else
    (void)path;
    return false;
#endif
  }

  PlTraceResult StartTrace(const PlTraceRequest& request, std::string* message) override {
#if VM_TRACE_FST
    if (trace_) {
      *message = window_ ? "a trace of design '" + name_ + "' is already being written"
                         : "the server already writes a waveform of the whole run (--trace " +
                               whole_run_path_ + ")";
      return PlTraceResult::kBusy;
    }
    std::vector<std::string> resolved;
    if (!ResolveScopes(request.path, request.scopes, &resolved, message)) {
      if (!message->empty()) return PlTraceResult::kUnknownScope;
      *message = "cannot list the scopes of design '" + name_ + "' (writing beside " +
                 request.path + " failed)";
      return PlTraceResult::kCannotOpen;
    }
    auto trace = std::make_unique<Trace>();
    for (const std::string& scope : resolved) trace->dumpvars(99, scope);
    model_->trace(trace.get(), 99);
    trace->open(request.path.c_str());
    if (!trace->isOpen()) {
      *message = "cannot create the waveform file " + request.path;
      return PlTraceResult::kCannotOpen;
    }
    trace_ = std::move(trace);
    window_ = true;
    window_state_ = PlTraceState{true, 0, false, resolved};
    window_max_cycles_ = request.max_cycles;
    trace_time_ = request.start_ps;
    return PlTraceResult::kStarted;
#else
    return PlDesign::StartTrace(request, message);
#endif
  }

  PlTraceState StopTrace() override {
#if VM_TRACE
    if (trace_ && window_) EndWindow(false);
#endif
    PlTraceState state = window_state_;
    window_state_ = PlTraceState{};
    return state;
  }

  PlTraceState TraceState() const override { return window_state_; }

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
      Dump(/*rising=*/true);
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
  void Dump(bool rising = false) {
#if VM_TRACE
    if (trace_) {
      trace_time_ += half_period_ps_;
      trace_->dump(trace_time_);
      // A window counts its cycles and ends itself at its bound (the file stays bounded).
      if (rising && window_ && ++window_state_.cycles == window_max_cycles_) EndWindow(true);
    }
#endif
  }

#if VM_TRACE
  /// Closes the window trace: the file is complete once close() returns.
  void EndWindow(bool truncated) {
    trace_->close();
    trace_.reset();
    window_ = false;
    window_state_.open = false;
    window_state_.truncated = truncated;
  }
#endif

#if VM_TRACE_FST
  /// The model's scopes, full names ("pl", "pl.<top>", "pl.<top>.axi_dma_0", ...): read once
  /// from a throwaway FST of the whole model written beside `near` (Verilator has no other
  /// way to list what a model traces). Empty when that file could not be written.
  const std::set<std::string>& Scopes(const std::string& near) {
    if (!scopes_.empty()) return scopes_;
    const std::string scratch = near + ".scopes";
    {
      Trace probe;
      model_->trace(&probe, 99);
      probe.open(scratch.c_str());
      if (!probe.isOpen()) return scopes_;
      probe.close();
    }
    if (void* reader = fstReaderOpen(scratch.c_str())) {
      std::vector<std::string> stack;
      fstReaderIterateHierRewind(reader);
      while (struct fstHier* h = fstReaderIterateHier(reader)) {
        if (h->htyp == FST_HT_SCOPE) {
          stack.push_back((stack.empty() ? "" : stack.back() + ".") + h->u.scope.name);
          scopes_.insert(stack.back());
        } else if (h->htyp == FST_HT_UPSCOPE && !stack.empty()) {
          stack.pop_back();
        }
      }
      fstReaderClose(reader);
    }
    ::unlink(scratch.c_str());
    return scopes_;
  }

  /// Each asked-for scope as the full name the trace knows it by: "axi_dma_0", "pl.axi_dma_0"
  /// and "pl.<top>.axi_dma_0" all name the same one. false: *message names the unknown ones
  /// and what the design has (empty *message: the scopes could not be listed).
  bool ResolveScopes(const std::string& path, const std::vector<std::string>& asked,
                     std::vector<std::string>* resolved, std::string* message) {
    if (asked.empty()) return true;
    const std::set<std::string>& scopes = Scopes(path);
    if (scopes.empty()) {
      message->clear();
      return false;
    }
    // The design's top: the one scope right under the model's own ("pl").
    std::string top;
    for (const std::string& s : scopes) {
      if (s.rfind("pl.", 0) == 0 && s.find('.', 3) == std::string::npos) top = s;
    }
    std::vector<std::string> unknown;
    for (const std::string& name : asked) {
      const std::string bare = name.rfind("pl.", 0) == 0 ? name.substr(3) : name;
      const std::string candidates[] = {name, top + "." + bare, top + "." + name};
      const std::string* found = nullptr;
      for (const std::string& c : candidates) {
        if (!found && scopes.count(c)) found = &c;
      }
      if (found) {
        resolved->push_back(*found);
      } else {
        unknown.push_back("'" + name + "'");
      }
    }
    if (unknown.empty()) return true;
    std::string known;
    size_t listed = 0;
    for (const std::string& s : scopes) {
      if (s.size() <= top.size() + 1 || s.rfind(top + ".", 0) != 0) continue;
      if (++listed > 40) {
        known += ", ...";
        break;
      }
      known += (known.empty() ? "" : ", ") + s.substr(top.size() + 1);
    }
    std::string names;
    for (const std::string& u : unknown) names += (names.empty() ? "" : ", ") + u;
    *message = "design '" + name_ + "' has no scope " + names + " (its scopes: " + known + ")";
    return false;
  }
#endif

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
  std::string whole_run_path_;  // the --trace file, while trace_ writes it
  bool window_ = false;         // trace_ is a window trace (StartTrace), not the whole run
  uint64_t window_max_cycles_ = 0;
  PlTraceState window_state_;
  std::set<std::string> scopes_;  // Scopes(), once listed
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_VERILATED_DESIGN_H_
