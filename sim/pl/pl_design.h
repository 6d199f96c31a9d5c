// The PL shell: the pins every design top has (rtl/README.md), and PlDesign, the small
// interface the PL socket clocks. Designs are Verilated in plain C++ mode (SystemC cannot
// elaborate modules after start), so a new design can be swapped in at run time.
#ifndef PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_
#define PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bridges/amba.h"

namespace pynq_remote::sim {

/// The layout version of everything a design library shares with the board: this header and
/// bridges/amba.h. Bump it on ANY change to either (a design package built against another
/// version is refused, not run). DesignEntry, below, is the server's alone and no part of it.
inline constexpr uint32_t kPlDesignAbiVersion = 4;

/// One AXI4 master bundle of a design top (m_axi_<port>_*, rtl/README.md).
struct MasterPortInfo {
  std::string ps_port;     // the PS slave port it reaches, e.g. "S_AXI_HP0_FPD"
  unsigned data_bits = 0;  // 32, 64 or 128
  bool reads = false;      // has the ar*/r* channels
  bool writes = false;     // has the aw*/w*/b* channels
};

/// Every design top's ports (rtl/README.md); the AXI bundles are the bridges' (bridges/amba.h).
struct ShellPins {
  bool rst_n = false;
  AxiLitePins s_axil;                // the GP windows reach the design here
  std::vector<AxiMasterPins> m_axi;  // one per master port, as PlDesign::master_ports()
  uint16_t irq = 0;                  // pl_ps_irq
  bool busy = false;                 // OR of the design's activity
  // The PS GPIO's EMIO pins (optional ports of a top; rtl/README.md), named from the PS's side
  // as Vivado names them: bit k = EMIO pin k, in word k / 32 (ZynqMP 96 pins, Zynq-7000 64).
  std::array<uint32_t, 3> emio_gpio_o{};  // PS -> PL: the DATA bits the PS drives (OEN set)
  std::array<uint32_t, 3> emio_gpio_t{};  // PS -> PL: 1 where the PS does not drive (~OEN)
  std::array<uint32_t, 3> emio_gpio_i{};  // PL -> PS: what DATA_RO reads
};

/// The clock owner's (PlSocket's) part of each cycle, between the settle (clk low) and the
/// rising edge: sees the design's outputs in `pins`, writes what the board drives after this
/// edge. true: stop.
class EdgeHook {
 public:
  virtual ~EdgeHook() = default;
  virtual bool OnEdge(ShellPins& pins) = 0;
};

/// A window of waveform asked of a running design (PlDesign::StartTrace).
struct PlTraceRequest {
  std::string path;  // the FST file, created or replaced
  // Scopes to dump, each with everything below it, as hierarchical names: "axi_dma_0",
  // "pl.axi_dma_0" or the full "pl.dma_loopback.axi_dma_0". Empty: the whole design.
  std::vector<std::string> scopes;
  uint64_t start_ps = 0;    // the first dump's time stamp (the board's simulated time)
  uint64_t max_cycles = 0;  // the trace closes itself after this many cycles (0: never)
};

/// Where a window trace stands.
struct PlTraceState {
  bool open = false;                // still writing
  uint64_t cycles = 0;              // cycles dumped so far
  bool truncated = false;           // closed by max_cycles, not by StopTrace
  std::vector<std::string> scopes;  // the scopes as resolved (full names); empty: all
};

enum class PlTraceResult {
  kStarted,
  kNotBuiltIn,    // the model was built without tracing
  kBusy,          // a trace is already being written (a window, or the server's --trace)
  kUnknownScope,  // a scope the design does not have; the message names it and the known ones
  kCannotOpen,    // the file could not be created
};

class PlDesign {
 public:
  virtual ~PlDesign() = default;
  virtual const std::string& name() const = 0;
  virtual ShellPins& pins() = 0;
  /// The design's master ports; index i is pins().m_axi[i]. Fixed for the design's lifetime.
  virtual const std::vector<MasterPortInfo>& master_ports() const = 0;
  /// Runs up to `cycles` clock cycles; each cycle: inputs -> clk low, eval -> outputs ->
  /// hook (may stop) -> clk high, eval. Returns the cycles run.
  virtual uint64_t Run(uint64_t cycles, EdgeHook& hook) = 0;
  /// Starts a waveform dump in the format the model was built with (FST). false: not built in.
  virtual bool OpenTrace(const std::string& path) = 0;
  /// Trace time step per half cycle, in ps (the PL clock period / 2).
  virtual void SetHalfPeriodPs(uint64_t ps) = 0;

  /// Starts a window trace while the design runs (the server's Board.StartTrace). Anything
  /// but kStarted leaves no trace open and says why in *message.
  virtual PlTraceResult StartTrace(const PlTraceRequest& request, std::string* message) {
    (void)request;
    *message = "design '" + name() + "' was built without waveform support";
    return PlTraceResult::kNotBuiltIn;
  }
  /// Ends the window trace (the file is complete when this returns) and says how it stood;
  /// nothing open: a state with open false.
  virtual PlTraceState StopTrace() { return {}; }
  /// The window trace as it stands (open false once max_cycles closed it).
  virtual PlTraceState TraceState() const { return {}; }
};

struct DesignOptions {
  std::string trace_path;
};

/// A design the board can load: name, content hash (matches the .bit) and a factory. The
/// server's own record: it never crosses a package's boundary (pl/design_package_abi.h), so
/// fields may be added without an ABI bump.
struct DesignEntry {
  std::string name;
  std::string content_hash;
  std::string part;
  std::function<std::unique_ptr<PlDesign>(const DesignOptions&)> create;
  // The top's busy ORs every instance's activity (rtl/tools/gen_top.py busy_missing), so the
  // board need not run the PL after a host read. false: a hand-written top, a core without a
  // busy output, a package from before the flag; the board runs its trailing window.
  bool busy_complete = false;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PL_PL_DESIGN_H_
