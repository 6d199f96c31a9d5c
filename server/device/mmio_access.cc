#include "device/mmio_access.h"

#include <string>

namespace pynq_remote {

Status CheckMmioShape(uint64_t addr, int width) {
  if (width != 1 && width != 2 && width != 4 && width != 8) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        std::to_string(width) + "-byte access at " + Hex(addr) + ": width must be 1, 2, 4 or 8",
        addr);
  }
  if (!IsMmioShape(addr, static_cast<uint64_t>(width))) {
    return MakeError(ErrorCode::kUnaligned,
                     std::to_string(width) + "-byte access at " + Hex(addr) +
                         ": address not aligned to " + std::to_string(width) + " bytes",
                     addr);
  }
  return {};
}

Status CheckMmioAccess(const std::vector<AddressWindow>& windows, uint64_t addr, int width) {
  Status shape = CheckMmioShape(addr, width);
  if (!shape.ok()) return shape;
  if (FindWindow(windows, addr, static_cast<uint64_t>(width)) != nullptr) return {};
  return MakeError(
      ErrorCode::kOutOfWindow,
      std::to_string(width) + "-byte access at " + Hex(addr) + ": outside every MMIO window", addr);
}

Status CheckMmioRegion(const std::vector<AddressWindow>& windows, uint64_t base, uint64_t length) {
  if (length == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "MMIO region at " + Hex(base) + ": length 0",
                     base);
  }
  if (FindWindow(windows, base, length) != nullptr) return {};
  return MakeError(
      ErrorCode::kOutOfWindow,
      "MMIO region " + Hex(base) + " + " + Hex(length) + " is not inside one MMIO window", base);
}

const AddressWindow* FindWindow(const std::vector<AddressWindow>& windows, uint64_t addr,
                                uint64_t length) {
  for (const AddressWindow& window : windows) {
    if (window.Contains(addr, length)) return &window;
  }
  return nullptr;
}

}  // namespace pynq_remote
