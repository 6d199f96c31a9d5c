// The one check of an MMIO access's shape and place: width 1, 2, 4 or 8 bytes, an address
// aligned to it, inside one bus window. The service checks requests with it, and each backend
// checks what reaches it with the same function (a backend is also driven directly: tests,
// benchmarks, the fuzzers), so every layer refuses the same accesses with the same words.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_MMIO_ACCESS_H_
#define PYNQ_REMOTE_SERVER_DEVICE_MMIO_ACCESS_H_

#include <cstdint>
#include <vector>

#include "device/device.h"

namespace pynq_remote {

/// Whether the bus carries this access: width 1, 2, 4 or 8 and `addr` aligned to it. For a
/// layer that answers in its own terms (a TLM response status) rather than with a Status.
inline bool IsMmioShape(uint64_t addr, uint64_t width) {
  return (width == 1 || width == 2 || width == 4 || width == 8) && (addr & (width - 1)) == 0;
}

/// Width 1/2/4/8 and `addr` aligned to it. Errors: kInvalidArgument, kUnaligned.
Status CheckMmioShape(uint64_t addr, int width);

/// As CheckMmioShape, and [addr, addr+width) inside one of `windows`.
/// Errors: kInvalidArgument, kUnaligned, kOutOfWindow.
Status CheckMmioAccess(const std::vector<AddressWindow>& windows, uint64_t addr, int width);

/// [base, base+length) inside one window, length > 0. Errors: kInvalidArgument, kOutOfWindow.
Status CheckMmioRegion(const std::vector<AddressWindow>& windows, uint64_t base, uint64_t length);

/// The window that holds all of [addr, addr+length), or null.
const AddressWindow* FindWindow(const std::vector<AddressWindow>& windows, uint64_t addr,
                                uint64_t length);

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_MMIO_ACCESS_H_
