// The PL shell: the pins every design top has (rtl/README.md), and PlDesign, the small
// interface the PL socket ticks. Designs are Verilated in plain C++ mode (SystemC cannot
// elaborate modules after start), so a new design can be swapped in at run time.
#ifndef PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_
#define PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace pynq_remote::sim {

/// s_axil_*: the AXI4-Lite slave the GP windows reach (32-bit address and data).
struct AxiLitePins {
  // write address channel (to the design / from it)
  uint32_t awaddr = 0;
  bool awvalid = false;
  bool awready = false;
  // write data channel
  uint32_t wdata = 0;
  uint8_t wstrb = 0;
  bool wvalid = false;
  bool wready = false;
  // write response channel
  uint8_t bresp = 0;
  bool bvalid = false;
  bool bready = false;
  // read address channel
  uint32_t araddr = 0;
  bool arvalid = false;
  bool arready = false;
  // read data channel
  uint32_t rdata = 0;
  uint8_t rresp = 0;
  bool rvalid = false;
  bool rready = false;
};

/// m_axi_*: the design's AXI4 master into DDR (40-bit address, 64-bit data, INCR bursts).
struct AxiMasterPins {
  // write address channel (from the design / to it)
  uint64_t awaddr = 0;
  uint8_t awlen = 0, awsize = 0, awburst = 0;
  bool awvalid = false;
  bool awready = false;
  // write data channel
  uint64_t wdata = 0;
  uint8_t wstrb = 0;
  bool wlast = false, wvalid = false;
  bool wready = false;
  // write response channel
  uint8_t bresp = 0;
  bool bvalid = false;
  bool bready = false;
  // read address channel
  uint64_t araddr = 0;
  uint8_t arlen = 0, arsize = 0, arburst = 0;
  bool arvalid = false;
  bool arready = false;
  // read data channel
  uint64_t rdata = 0;
  uint8_t rresp = 0;
  bool rlast = false, rvalid = false;
  bool rready = false;
};

struct ShellPins {
  bool rst_n = false;
  AxiLitePins s_axil;
  AxiMasterPins m_axi;
  uint16_t irq = 0;   // pl_ps_irq
  bool busy = false;  // OR of the design's activity
};

/// Called once per clock edge, between the settle (clk low) and the rising edge: sees the
/// design's outputs in `pins`, writes what the board drives after this edge. true: stop.
class EdgeHook {
 public:
  virtual ~EdgeHook() = default;
  virtual bool OnEdge(ShellPins& pins) = 0;
};

class PlDesign {
 public:
  virtual ~PlDesign() = default;
  virtual const std::string& name() const = 0;
  virtual ShellPins& pins() = 0;
  /// Runs up to `cycles` clock cycles; each cycle: inputs -> clk low, eval -> outputs ->
  /// hook (may stop) -> clk high, eval. Returns the cycles run.
  virtual uint64_t Run(uint64_t cycles, EdgeHook& hook) = 0;
  /// Starts a waveform dump in the format the model was built with (FST). false: not built in.
  virtual bool OpenTrace(const std::string& path) = 0;
  /// Trace time step per half cycle, in ps (the PL clock period / 2).
  virtual void SetHalfPeriodPs(uint64_t ps) = 0;
};

struct DesignOptions {
  std::string trace_path;
};

/// A design the board can load: name, content hash (matches the .bit) and a factory.
struct DesignEntry {
  std::string name;
  std::string content_hash;
  std::string part;
  std::function<std::unique_ptr<PlDesign>(const DesignOptions&)> create;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_
