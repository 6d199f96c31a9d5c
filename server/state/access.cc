#include "state/access.h"

#include <string>

namespace pynq_remote {

Status CheckMmioAccess(const std::vector<AddressWindow>& windows, uint64_t addr, int width) {
  if (width != 1 && width != 2 && width != 4 && width != 8) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        std::to_string(width) + "-byte access at " + Hex(addr) + ": width must be 1, 2, 4 or 8",
        addr);
  }
  if (addr % static_cast<uint64_t>(width) != 0) {
    return MakeError(ErrorCode::kUnaligned,
                     std::to_string(width) + "-byte access at " + Hex(addr) +
                         ": address not aligned to " + std::to_string(width) + " bytes",
                     addr);
  }
  for (const AddressWindow& window : windows) {
    if (window.Contains(addr, static_cast<uint64_t>(width))) return {};
  }
  return MakeError(
      ErrorCode::kOutOfWindow,
      std::to_string(width) + "-byte access at " + Hex(addr) + ": outside every MMIO window", addr);
}

Status CheckMmioRegion(const std::vector<AddressWindow>& windows, uint64_t base, uint64_t length) {
  if (length == 0) {
    return MakeError(ErrorCode::kInvalidArgument, "MMIO region at " + Hex(base) + ": length 0",
                     base);
  }
  for (const AddressWindow& window : windows) {
    if (window.Contains(base, length)) return {};
  }
  return MakeError(
      ErrorCode::kOutOfWindow,
      "MMIO region " + Hex(base) + " + " + Hex(length) + " is not inside one MMIO window", base);
}

Result<ByteRange> ResolveRange(uint64_t size, uint64_t start, uint64_t end) {
  if (end == 0) end = size;
  if (start > end) {
    return MakeError(ErrorCode::kInvalidArgument, "byte range start " + std::to_string(start) +
                                                      " is after end " + std::to_string(end));
  }
  if (end > size) {
    return MakeError(ErrorCode::kOutOfWindow, "byte range [" + std::to_string(start) + ", " +
                                                  std::to_string(end) + ") past the end of a " +
                                                  std::to_string(size) + "-byte buffer");
  }
  return ByteRange{start, end};
}

}  // namespace pynq_remote
