// A physical-window allocator: hands out aligned ranges of one contiguous window (the CMA
// region), first fit, coalescing neighbours on Free. Shared by the sim and hardware backends.
#ifndef PYNQ_REMOTE_SERVER_DEVICE_REGION_ALLOCATOR_H_
#define PYNQ_REMOTE_SERVER_DEVICE_REGION_ALLOCATOR_H_

#include <cstdint>
#include <map>
#include <mutex>

#include "device/device.h"

namespace pynq_remote {

class RegionAllocator {
 public:
  /// Manages [base, base + size). Sizes are rounded up to kPageSize.
  RegionAllocator(uint64_t base, uint64_t size);

  static constexpr uint64_t kPageSize = 4096;

  /// First fit. kInvalidArgument: size 0, align not a power of two >= 4096;
  /// kNoMemory: no free range is large enough (the message gives the numbers).
  Result<Allocation> Alloc(uint64_t size, uint64_t align);
  /// Takes exactly [phys, phys + size) (rounded up to a page), as Alloc would have handed it
  /// out: restoring allocations a previous server process made. kInvalidArgument when
  /// unaligned; kNoMemory when any of it is not free.
  Result<Allocation> AllocAt(uint64_t phys, uint64_t size);
  /// kUnknownId: no live allocation has this handle.
  Status Free(uint64_t handle);
  /// True when [phys, phys + len) lies inside one live allocation.
  bool Covers(uint64_t phys, uint64_t len) const;

  uint64_t base() const { return base_; }
  uint64_t size() const { return size_; }
  uint64_t BytesFree() const;
  uint64_t LargestFree() const;

 private:
  // Carves [phys, phys + rounded) out of the free range `range` (which holds it) and records
  // the allocation. mu_ held.
  Allocation TakeLocked(std::map<uint64_t, uint64_t>::iterator range, uint64_t phys,
                        uint64_t rounded);

  uint64_t base_;
  uint64_t size_;
  mutable std::mutex mu_;
  std::map<uint64_t, uint64_t> free_;     // start -> length, non-adjacent (coalesced)
  std::map<uint64_t, Allocation> live_;   // phys -> allocation
  std::map<uint64_t, uint64_t> handles_;  // handle -> phys
  uint64_t next_handle_ = 1;
};

}  // namespace pynq_remote

#endif  // PYNQ_REMOTE_SERVER_DEVICE_REGION_ALLOCATOR_H_
