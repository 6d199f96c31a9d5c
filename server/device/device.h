// The Device seam: everything the gRPC service layer asks of a board, in plain C++ types.
// The service layer never knows which backend it has (SimDevice, ZynqDevice); backends
// never see protobuf. Every call is thread-safe and returns a value or a DeviceError.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_DEVICE_H_
#define PYNQ_REMOTE_SERVER_DEVICE_DEVICE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote {

/// A bus window the host may address with MMIO (a PL GP port, a PS register block).
struct AddressWindow {
  std::string name;  // "M_AXI_HPM0_FPD", "FPD_SLCR", ...
  uint64_t base = 0;
  uint64_t size = 0;
  bool Contains(uint64_t addr, uint64_t len) const {
    return addr >= base && len <= size && addr - base <= size - len;
  }
};

/// What `download` / the fpga_manager sysfs files report.
struct FpgaState {
  std::string state = "unknown";  // fpga_manager's word: "operating" or "unknown"
  std::string design;             // the loaded design's name, empty when none
  std::string error;              // why the last programming failed, empty when it did not
};

/// Static and slowly-changing facts about the board.
struct DeviceInfo {
  std::string board;                      // "ZCU104"
  std::string part;                       // "xczu7ev-ffvc1156-2-e"
  std::string arch;                       // "aarch64" or "armv7l"
  std::string backend;                    // "sim" or "zynq"
  std::vector<std::string> capabilities;  // "sim_time", "deterministic", "irq", ...
  std::vector<AddressWindow> windows;     // every window MMIO may reach
  std::vector<double> pl_clocks_mhz;      // PL clock n, as the PS clock registers set it
  uint64_t sim_time_ps = 0;               // simulated time (0 on hardware)
  uint64_t pl_cycles = 0;                 // PL clock-0 cycles simulated (0 on hardware)
  bool deterministic = false;             // time advances only through Advance()
  bool pl_active = false;                 // the PL can move on its own (sim: its busy output)
};

/// One element of an MMIO batch. Reads fill `value`; writes take it.
struct MmioOp {
  enum class Kind { kRead, kWrite };
  Kind kind = Kind::kRead;
  uint64_t addr = 0;
  int width = 4;  // 1, 2, 4 or 8 bytes, naturally aligned
  uint64_t value = 0;
};

/// A physically contiguous buffer handed out by Alloc.
struct Allocation {
  uint64_t handle = 0;  // backend's identity for Free
  uint64_t phys = 0;    // the address a PL master uses
  uint64_t size = 0;    // bytes usable (at least what was asked)
};

/// A GPIO controller of the PS as Linux numbers it (its gpiochipN).
struct GpioChipInfo {
  std::string name;   // "gpiochip338": the /sys/class/gpio entry, base_path's last part
  std::string label;  // Linux's label: "zynqmp_gpio" (ZynqMP) or "zynq_gpio" (Zynq-7000)
  int base = 0;       // Linux number of its pin 0
  int ngpio = 0;      // ZynqMP 174 (78 MIO, then 96 EMIO); Zynq-7000 118 (54 MIO, then 64 EMIO)
  int mio_pins = 0;   // 78 / 54: EMIO pin k is Linux number base + mio_pins + k
};

enum class GpioDirection { kIn, kOut };

/// "gpio 420 (EMIO 4 of gpiochip338)": a pin as every GPIO message names it (just "gpio N"
/// outside every chip).
std::string DescribeGpio(const std::vector<GpioChipInfo>& chips, int gpio);

/// A waveform of a window of simulated time (Device::StartTrace).
struct TraceOptions {
  std::string path;  // where the backend writes the file (the service picks it, in the root)
  // Hierarchical names in the loaded design ("axi_dma_0", "pl.axi_dma_0"), each with
  // everything below it. Empty: the whole design.
  std::vector<std::string> scopes;
  uint64_t max_cycles = 0;  // the trace ends itself after this many PL cycles (0: never)
};

/// What a trace covers: StartTrace's answer (so far) and StopTrace's (all of it).
struct TraceReport {
  std::string path;                         // as TraceOptions::path
  std::string design;                       // the design traced
  std::vector<std::string> scopes;          // full names, as resolved; empty: the whole design
  uint64_t start_cycle = 0, end_cycle = 0;  // PL clock-0 cycles of the board
  uint64_t start_ps = 0, end_ps = 0;        // simulated time (the file's time stamps)
  bool truncated = false;  // max_cycles reached before StopTrace: the file ends there
  std::string ended;       // why it ended before StopTrace (the PL reprogrammed), or ""
};

/// What a board without waveforms answers StartTrace/StopTrace (one that lacks the
/// "waveforms" capability).
inline constexpr char kNoWaveforms[] =
    "this board records no waveforms: only a simulated board (pynq-remote-server --backend sim) "
    "traces its PL";

/// Asked between the steps of a long Device call (Advance, WaitIrq): once it answers true the
/// call stops and returns kCancelled. The service layer answers for the client (cancelled,
/// or past its deadline) and for the server (shutting down); a default token never stops.
class StopToken {
 public:
  StopToken() = default;
  explicit StopToken(std::function<bool()> requested) : requested_(std::move(requested)) {}
  bool StopRequested() const { return requested_ && requested_(); }

 private:
  std::function<bool()> requested_;
};

class Device {
 public:
  virtual ~Device() = default;

  virtual DeviceInfo Info() const = 0;

  /// Loads a bitstream (the raw or byte-swapped .bin, or a .bit) into the PL.
  /// On failure the PL is left empty and State().error says why (kBadBitstream).
  virtual Status Program(const std::string& bitstream, const std::string& name, bool partial) = 0;
  virtual FpgaState State() const = 0;
  /// Where this board keeps the loaded design's .hwh on the server's own file system (a sim
  /// design package's), or "" when it keeps none. The interrupt service reads it when no
  /// client put one beside the firmware (PYNQ 3.1's client never does).
  virtual std::string LoadedDesignHwhPath() const { return ""; }

  /// width is 1, 2, 4 or 8; addr must be aligned to it and lie inside a window.
  /// Bus errors come back as kBusSlvErr / kBusDecErr / kTimeout, never as a hang.
  virtual Result<uint64_t> MmioRead(uint64_t addr, int width) = 0;
  virtual Status MmioWrite(uint64_t addr, int width, uint64_t value) = 0;

  /// Runs ops in order, stopping at the first failure. Returns how many completed and
  /// the error that stopped it, if any. Backends override it to pay one hand-off per batch.
  struct BatchResult {
    size_t completed = 0;
    Status status;
  };
  virtual BatchResult MmioBatch(std::vector<MmioOp>& ops);

  /// Physically contiguous memory the PL can reach. align is a power of two >= 4096.
  virtual Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) = 0;
  virtual Status Free(uint64_t handle) = 0;
  /// Re-creates an allocation a previous server process held at `phys` (whose contents
  /// the backend kept, e.g. a sim DDR file). kUnsupported where memory does not outlive
  /// the process.
  virtual Result<Allocation> Restore(uint64_t phys, uint64_t size) {
    (void)size;
    return MakeError(ErrorCode::kUnsupported,
                     "this board cannot restore the allocation at " + Hex(phys));
  }
  /// CPU-side access to memory at a physical address (inside an allocation).
  virtual Status MemRead(uint64_t phys, void* dst, size_t len) = 0;
  virtual Status MemWrite(uint64_t phys, const void* src, size_t len) = 0;
  /// Cache maintenance for cacheable buffers; no-ops where the port is coherent.
  virtual Status Flush(uint64_t phys, size_t len) = 0;
  virtual Status Invalidate(uint64_t phys, size_t len) = 0;

  /// Waits until PL interrupt `line` is asserted. true: fired; false: timed out.
  /// kCancelled when `stop` asks, or after Shutdown().
  virtual Result<bool> WaitIrq(int line, std::chrono::milliseconds timeout,
                               const StopToken& stop) = 0;

  /// When PL interrupt `line` last rose, in simulated ps (0 on hardware, or never).
  virtual uint64_t IrqRaisedAtPs(int line) const {
    (void)line;
    return 0;
  }

  /// PS GPIO (MIO + EMIO) in Linux numbering. GpioChips() lists the controllers, the PS's
  /// first; empty where the backend serves none. `gpio` is an absolute Linux number.
  /// Errors: kInvalidArgument for a number outside every chip or a value other than 0/1,
  /// kPermissionDenied for a write to a pin set as input, kUnsupported without GPIO.
  virtual std::vector<GpioChipInfo> GpioChips() const { return {}; }
  /// Claims the pin (export) and sets its direction; an output starts driving 0.
  virtual Status GpioSetDirection(int gpio, GpioDirection direction) {
    (void)gpio, (void)direction;
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO");
  }
  /// The pin's level: an input's as it arrives, an output's as driven.
  virtual Result<int> GpioRead(int gpio) {
    (void)gpio;
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO");
  }
  virtual Status GpioWrite(int gpio, int value) {
    (void)gpio, (void)value;
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO");
  }
  /// Gives the pin back (unexport): an input again, not driven.
  virtual Status GpioRelease(int gpio) {
    (void)gpio;
    return MakeError(ErrorCode::kUnsupported, "this board serves no PS GPIO");
  }

  /// Sets PL clock `index` (0..3) as the PS clock registers would, nearest achievable rate.
  virtual Status SetPlClock(int index, double mhz) = 0;

  /// Simulation only: runs `cycles` PL cycles now (the way time moves in deterministic
  /// mode). Returns the PL cycle count afterwards. kUnsupported on hardware. kCancelled,
  /// saying how far it got, when `stop` asks or after Shutdown(); the cycles run stay run.
  virtual Result<uint64_t> Advance(uint64_t cycles, const StopToken& stop) = 0;

  /// Starts a waveform (FST) of the PL from now on; a backend that implements it lists the
  /// capability "waveforms". One at a time per board. Errors:
  /// kUnsupported where the backend records none; kNotProgrammed (empty PL);
  /// kFailedPrecondition while a trace runs (or has ended but was not stopped yet);
  /// kInvalidArgument naming each scope the design lacks; kInternal when the file cannot be
  /// written. A reprogram or an emptied PL ends it (TraceReport::ended says so).
  virtual Result<TraceReport> StartTrace(const TraceOptions& options) {
    (void)options;
    return MakeError(ErrorCode::kUnsupported, kNoWaveforms);
  }
  /// Ends the trace; the file is complete when this returns. Errors: kFailedPrecondition when
  /// none was started; kUnsupported as StartTrace.
  virtual Result<TraceReport> StopTrace() {
    return MakeError(ErrorCode::kUnsupported, kNoWaveforms);
  }

  /// The server is stopping: every wait and simulation loop in progress ends now (kCancelled,
  /// or for a bus access in flight its timeout error), and later long calls end at once.
  /// Short calls (MMIO, memory) keep working, so in-flight requests can finish.
  virtual void Shutdown() {}
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_DEVICE_H_
