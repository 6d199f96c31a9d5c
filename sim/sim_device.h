// The simulated board behind the Device seam: a SystemC/TLM-2.0 model of a Zynq UltraScale+ or
// Zynq-7000 board (its board profile, sim/board/boards.json) with the PL as Verilated RTL.
// This header includes neither SystemC nor Verilator.
#ifndef PYNQ_REMOTE_SIM_SIM_DEVICE_H_
#define PYNQ_REMOTE_SIM_SIM_DEVICE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote::sim {

struct SimOptions {
  // The board profile (BoardProfileNames(); any case, or its board-part VLNV): the PS family
  // and register pages, PL windows, DDR, arch, part and interrupt lines. Fixed for the life of
  // the SimDevice.
  std::string board = "ZCU104";
  std::string part;             // empty: the profile's part
  double pl_clock_mhz = 100.0;  // PL clock 0 at start (PL0_REF_CTRL / FPGA0_CLK_CTRL)
  uint64_t ddr_size = 0;        // DDR low at 0, sparse (committed when touched); 0: profile's
  uint64_t cma_base = 0, cma_size = 0;    // where Alloc hands out buffers; size 0: profile's
  bool deterministic = false;             // time advances only through Advance()
  uint64_t mmio_timeout_cycles = 100000;  // a stalled slave becomes kTimeout, never a hang
  // Non-zero: the same timeout in simulated microseconds, converted at PL clock 0's rate
  // whenever that changes (wins over mmio_timeout_cycles).
  uint64_t mmio_timeout_us = 0;
  // After a host access the board keeps clocking the PL on its own (the runner, between
  // calls): a design whose busy output is complete (DesignEntry::busy_complete: every core's
  // activity ORed in by a generated top) for settle_cycles after a write (MMIO, GPIO,
  // programming) and after busy falls, so a start bit or a pin reaches busy or an interrupt;
  // never after a read. Any other design, or every design with always_trail (the server's
  // --trailing-cycles), for trailing_cycles after every access. Deterministic mode: none.
  uint64_t trailing_cycles = 256;
  uint64_t settle_cycles = 16;
  bool always_trail = false;
  std::string trace_path;          // non-empty: PL waveforms (FST) there, rewritten per Program
  uint64_t quantum_cycles = 1000;  // PL cycles per quantum (host calls wait at most one)
  std::string ddr_file;  // non-empty: DDR lives in this (sparse) file and outlives the process
  // Design packages (pynq-remote-design) to load at start: each a package's folder or a folder
  // of packages. Refused ones are reported on stderr; the board serves the rest.
  std::vector<std::string> design_dirs;
  // Whether loading them is logged (stderr): a --boards server logs it for its first board
  // only, not once a board.
  bool log_packages = true;
};

/// How many simulated boards this process can have alive at once (default 1). The boards
/// share the process's one SystemC kernel, elaborated with the first board: call this before
/// the first CreateSimDevice. False with *error after that (unless `count` is the number
/// already made) and for 0.
bool ReserveSimBoards(size_t count, std::string* error = nullptr);

/// A board. As many alive per process as ReserveSimBoards made room for (SystemC has one
/// kernel, elaborated once): while all are taken, another call returns null; so does a board no
/// profile has (*error lists the known boards) and a ddr_file that cannot be opened or mapped
/// (*error says why). Destroy it and a new one gets a fresh board (empty PL, new DDR, boot PS),
/// possibly of another profile.
std::unique_ptr<Device> CreateSimDevice(const SimOptions& options, std::string* error = nullptr);

/// For tests: waits until the simulated board's runner has nothing to run (busy low, no
/// window pending; at most `limit`) and returns the PL cycles it has run since the board was
/// made, or nullopt on a timeout or for a device that is no non-deterministic simulated board.
std::optional<uint64_t> WaitRunnerIdle(Device& device, std::chrono::milliseconds limit);

/// Names of the designs the simulated board can load.
std::vector<std::string> RegisteredDesigns();

/// The board profiles' names, in boards.json order ("ZCU104", ..., "ZC702"): for --help and
/// --board validation.
std::vector<std::string> BoardProfileNames();

/// Facts about one board profile, for callers outside sim/ (the server's flag checks, the
/// design-package loader): its canonical name, PS family ("zynqmp" / "zynq7000"), part and
/// board-part VLNV. found is false for a name (or VLNV) no profile has; then error says so
/// and lists the known boards.
struct BoardSummary {
  bool found = false;
  std::string name, family, part, board_part, arch;
  std::string error;
};
BoardSummary DescribeBoard(const std::string& name_or_board_part);

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_SIM_DEVICE_H_
