#include "state/access.h"

#include <string>

namespace pynq_remote {

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
