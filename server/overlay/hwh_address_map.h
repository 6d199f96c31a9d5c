// The MMIO windows an overlay declares, read from its Vivado hardware handoff (.hwh): the
// REGISTER ranges of the processing system's address map, which is what the PS can reach
// by MMIO once the bitstream is loaded. The server uses them for access control, so the
// parser is strict and every malformed input is an error that says where, never a crash.
#ifndef PYNQ_REMOTE_SERVER_OVERLAY_HWH_ADDRESS_MAP_H_
#define PYNQ_REMOTE_SERVER_OVERLAY_HWH_ADDRESS_MAP_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "device/device_error.h"

namespace pynq_remote::overlay {

/// One slave the PS addresses: [base, base + size), size > 0, base + size < 2^64.
struct OverlayWindow {
  std::string instance;         // the IP's INSTANCE, "axi_dma_0"
  std::string slave_interface;  // its SLAVEBUSINTERFACE, "S_AXI_LITE"
  uint64_t base = 0;
  uint64_t size = 0;

  bool operator==(const OverlayWindow& other) const {
    return instance == other.instance && slave_interface == other.slave_interface &&
           base == other.base && size == other.size;
  }
};

/// Larger .hwh text is refused: real designs are a few MB at most, and the DOM costs
/// several times the text.
inline constexpr size_t kMaxHwhBytes = 64u << 20;

/// The REGISTER (MMIO) ranges in the MEMORYMAP of the .hwh's processing system (the MODULE
/// whose MODTYPE is zynq_ultra_ps_e or processing_system7), sorted by base, duplicates
/// dropped. MEMORY ranges (DDR, OCM as memory) are skipped. A PS without a MEMORYMAP maps
/// nothing: an empty vector.
///
/// `source` names the input in messages ("resizer.hwh"). Errors: kInvalidArgument, with
/// the line, for text that is not XML, not an EDKSYSTEM, has no or several PS modules (a
/// partial design's .hwh has none), or a MEMRANGE whose BASEVALUE/HIGHVALUE is not 0x-hex,
/// whose HIGHVALUE is below its BASEVALUE or is 0xFFFFFFFFFFFFFFFF, or that lacks
/// MEMTYPE (or, for REGISTER ranges, INSTANCE or SLAVEBUSINTERFACE) or has it empty; also for text
/// over kMaxHwhBytes or containing a NUL byte.
Result<std::vector<OverlayWindow>> ParseHwhAddressMap(std::string_view hwh_text,
                                                      std::string_view source = "<hwh>");

/// Whether [addr, addr + len) lies inside one window (a zero-length range: whether addr
/// does). A range that wraps past 2^64 is inside none.
bool WindowsContain(const std::vector<OverlayWindow>& windows, uint64_t addr, uint64_t len);

}  // namespace pynq_remote::overlay

#endif  // PYNQ_REMOTE_SERVER_OVERLAY_HWH_ADDRESS_MAP_H_
