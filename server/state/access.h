// Validation shared by the MMIO and buffer services: byte ranges here, MMIO accesses in
// device/mmio_access.h. Plain C++; every failure is a DeviceError with the address in the text.
#ifndef PYNQ_REMOTE_SERVER_STATE_ACCESS_H_
#define PYNQ_REMOTE_SERVER_STATE_ACCESS_H_

#include <cstdint>
#include <vector>

#include "device/device.h"
#include "device/mmio_access.h"  // CheckMmioAccess, CheckMmioRegion: the one MMIO check

namespace pynq_remote {

/// A half-open byte range inside a buffer.
struct ByteRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  uint64_t size() const { return end - begin; }
};

/// [start, end) of a buffer of `size` bytes; end == 0 means "to the end of the buffer"
/// (so 0/0 is the whole buffer). Errors: kOutOfWindow (past the end), kInvalidArgument
/// (start > end).
Result<ByteRange> ResolveRange(uint64_t size, uint64_t start, uint64_t end);

/// Bytes per streamed message on the buffer and file paths.
inline constexpr size_t kChunkBytes = 2 * 1024 * 1024;

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_STATE_ACCESS_H_
