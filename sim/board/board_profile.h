// Board profiles of the simulated board: which board it is (name, part, arch), its DDR, the PL
// windows (PS master ports), the PS slave ports a design's AXI masters use and the PL-to-PS
// interrupt ports. sim/board/boards.json is the one source of truth: CMake embeds it into the
// library (board_profiles_json.cc) and it is parsed once, on first use. No SystemC here.
#ifndef PYNQ_REMOTE_SIM_BOARD_BOARD_PROFILE_H_
#define PYNQ_REMOTE_SIM_BOARD_BOARD_PROFILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "device/device.h"
#include "device/device_error.h"
#include "device/ps_clocks.h"

namespace pynq_remote::sim {

struct PsSlavePort {
  std::string name;                 // "S_AXI_HP0_FPD"
  std::string short_name;           // "hp0": the m_axi_<short>_* bundle of a design top
  std::vector<unsigned> data_bits;  // the data widths the port takes (32, 64, 128)
  bool Takes(unsigned bits) const;
};

struct IrqPort {
  std::string name;  // "pl_ps_irq0", "IRQ_F2P"
  unsigned lines = 0;
};

/// The PS GPIO controller as Linux numbers it (boards.json "ps_gpio").
struct PsGpioProfile {
  std::string label;  // "zynqmp_gpio" / "zynq_gpio"
  int base = 0;       // gpiochip<base>
  int mio_pins = 0;   // 78 / 54
  int emio_pins = 0;  // 96 / 64
};

struct BoardProfile {
  std::string name;       // "Pynq-Z2"
  std::string family_id;  // "zynqmp" or "zynq7000", as boards.json and design.json spell it
  PsFamily family = PsFamily::kZynqMP;
  std::string board_part;                 // "tul.com.tw:pynq-z2:part0:1.0"
  std::string part;                       // "xc7z020clg400-1"
  std::string arch;                       // "aarch64" or "armv7l", what /proc/version says
  uint64_t ddr_base = 0, ddr_size = 0;    // the simulated DDR (the low region)
  uint64_t ddr_installed = 0;             // what the real board carries
  uint64_t cma_base = 0, cma_size = 0;    // where buffers are handed out
  std::vector<AddressWindow> pl_windows;  // PS master ports' windows, named by port: high after low
  std::vector<PsSlavePort> slave_ports;   // in boards.json order; [0] is the legacy default
  std::vector<IrqPort> irq_ports;         // irq[0] is the first line of irq_ports[0]
  PsGpioProfile ps_gpio;

  unsigned irq_lines() const;
  /// The slave port called `name`, full ("S_AXI_HP0") or short ("hp0"); null if none.
  const PsSlavePort* FindSlavePort(const std::string& name) const;
  /// The PL window that holds [addr, addr + len); null if none.
  const AddressWindow* FindPlWindow(uint64_t addr, uint64_t len) const;
};

/// Parses a boards.json text and checks what the board relies on (known family and arch, DDR
/// at most 2 GiB, CMA inside DDR, PL windows inside 4 GiB (a ZynqMP port's "high" window above
/// 4 GiB, below 1 TiB) and clear of DDR and each other,
/// unique names and board parts). Never throws.
Result<std::vector<BoardProfile>> ParseBoardProfiles(const std::string& json_text);

/// The profiles embedded at build time, parsed once. An embedded file that does not parse
/// leaves this empty (the sim tests fail on it, CreateSimDevice refuses with
/// BoardProfilesError()).
const std::vector<BoardProfile>& BoardProfiles();
/// Why BoardProfiles() is empty; empty when it is not.
const std::string& BoardProfilesError();
/// The embedded boards.json text.
const char* EmbeddedBoardsJson();

/// The profile called `name` (any case) or with that board-part VLNV (exact, else the same
/// vendor:board:part at another version); null if none.
const BoardProfile* FindBoardProfile(const std::string& name);
/// Profile names in boards.json order.
std::vector<std::string> BoardProfileNames();
/// "no board profile 'X'; known boards: ZCU104, ..." for a name FindBoardProfile refused.
std::string UnknownBoardMessage(const std::string& name);

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_BOARD_BOARD_PROFILE_H_
