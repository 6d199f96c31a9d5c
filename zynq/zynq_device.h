// The hardware backend: a Zynq-7000 or Zynq UltraScale+ board running Linux, no XRT needed.
//   programming  the Linux FPGA manager (lib/firmware + sys/class/fpga_manager/fpga0)
//   MMIO         /dev/mem mappings of the PL bus windows and the PS register pages PYNQ uses
//   buffers      u-dma-buf, a reserved-memory carve-out, or XRT (dma_memory.h)
//   interrupts   UIO devices on the PL-to-PS interrupt lines
//   board facts  uname, the device tree, the PS clock registers or the clock framework
// Every path comes from ZynqOptions::root, so CI runs all of it against a fake board tree
// (hil-tests/fake_board/make_fake_board.py) where /dev/mem is a regular file.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_ZYNQ_DEVICE_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_ZYNQ_DEVICE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote::zynq {

/// What --memory chose.
struct MemorySpec {
  enum class Kind { kNone, kUdmabuf, kCarveout, kXrt };
  Kind kind = Kind::kUdmabuf;
  std::vector<std::string> udmabuf_devices;  // udmabuf: empty = every device found
  std::string carveout_node;                 // carveout by reserved-memory node name
  uint64_t carveout_base = 0;                // carveout by address (node empty)
  uint64_t carveout_size = 0;
};

/// "udmabuf", "udmabuf:NAME[,NAME...]", "carveout:BASE:SIZE", "carveout:NODE", "xrt",
/// "none". nullopt with *error set when malformed.
std::optional<MemorySpec> ParseMemorySpec(const std::string& text, std::string* error);

struct ZynqOptions {
  std::string root = "/";  // where /sys, /proc, /dev and /lib/firmware are
  MemorySpec memory;
  std::vector<AddressWindow> extra_windows;  // --mmio-allow: mapped as well
  std::string board;                         // overrides what the device tree says
  std::string part;
};

/// Checks the board and opens what the backend needs: the FPGA manager, /dev/mem, the
/// memory source. nullptr with *error saying exactly what is missing and what to do.
std::unique_ptr<Device> CreateZynqDevice(const ZynqOptions& options, std::string* error);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_ZYNQ_DEVICE_H_
