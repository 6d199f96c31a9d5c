#include "device/region_allocator.h"

#include <iterator>
#include <string>

namespace pynq_remote {

RegionAllocator::RegionAllocator(uint64_t base, uint64_t size) : base_(base), size_(size) {
  if (size_ > 0) free_[base_] = size_;
}

uint64_t RegionAllocator::BytesFree() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  for (const auto& [start, len] : free_) total += len;
  return total;
}

uint64_t RegionAllocator::LargestFree() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t best = 0;
  for (const auto& [start, len] : free_) best = len > best ? len : best;
  return best;
}

Allocation RegionAllocator::TakeLocked(std::map<uint64_t, uint64_t>::iterator range,
                                       uint64_t phys, uint64_t rounded) {
  // Split [start, start+len) into a head gap, the allocation and a tail.
  const uint64_t start = range->first, len = range->second;
  free_.erase(range);
  if (phys > start) free_[start] = phys - start;
  const uint64_t tail = start + len - (phys + rounded);
  if (tail > 0) free_[phys + rounded] = tail;
  Allocation a{next_handle_++, phys, rounded};
  live_[phys] = a;
  handles_[a.handle] = phys;
  return a;
}

Result<Allocation> RegionAllocator::Alloc(uint64_t size, uint64_t align) {
  if (size == 0) return MakeError(ErrorCode::kInvalidArgument, "allocation of 0 bytes");
  if (align < kPageSize || (align & (align - 1)) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "alignment " + std::to_string(align) + " is not a power of two >= 4096");
  }
  if (size > size_) {
    return MakeError(ErrorCode::kNoMemory, "allocation of " + std::to_string(size) +
                                               " bytes exceeds the " + std::to_string(size_) +
                                               "-byte CMA window at " + Hex(base_));
  }
  const uint64_t rounded = (size + kPageSize - 1) & ~(kPageSize - 1);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = free_.begin(); it != free_.end(); ++it) {
    const uint64_t start = it->first, len = it->second;
    const uint64_t aligned = (start + align - 1) & ~(align - 1);
    if (aligned - start > len || len - (aligned - start) < rounded) continue;
    return TakeLocked(it, aligned, rounded);
  }
  uint64_t largest = 0, total = 0;
  for (const auto& [start, len] : free_) {
    largest = len > largest ? len : largest;
    total += len;
  }
  return MakeError(ErrorCode::kNoMemory, "no free range of " + std::to_string(rounded) +
                                             " bytes aligned to " + std::to_string(align) + " (" +
                                             std::to_string(total) + " bytes free, largest range " +
                                             std::to_string(largest) + ")");
}

Result<Allocation> RegionAllocator::AllocAt(uint64_t phys, uint64_t size) {
  if (size == 0 || phys % kPageSize != 0 || size > size_) {
    return MakeError(ErrorCode::kInvalidArgument, "cannot restore " + std::to_string(size) +
                                                      " bytes at " + Hex(phys));
  }
  const uint64_t rounded = (size + kPageSize - 1) & ~(kPageSize - 1);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = free_.upper_bound(phys);
  if (it == free_.begin()) {
    return MakeError(ErrorCode::kNoMemory, Hex(phys) + " is not free in the CMA window");
  }
  --it;
  const uint64_t start = it->first, len = it->second;
  if (phys - start > len || len - (phys - start) < rounded) {
    return MakeError(ErrorCode::kNoMemory, "[" + Hex(phys) + ", +" + std::to_string(rounded) +
                                               ") is not free in the CMA window");
  }
  return TakeLocked(it, phys, rounded);
}

Status RegionAllocator::Free(uint64_t handle) {
  std::lock_guard<std::mutex> lock(mu_);
  auto h = handles_.find(handle);
  if (h == handles_.end()) {
    return MakeError(ErrorCode::kUnknownId, "no allocation with handle " + std::to_string(handle));
  }
  auto live = live_.find(h->second);
  uint64_t start = live->second.phys, len = live->second.size;
  live_.erase(live);
  handles_.erase(h);
  // Coalesce with the free neighbours on both sides.
  auto next = free_.lower_bound(start);
  if (next != free_.end() && start + len == next->first) {
    len += next->second;
    next = free_.erase(next);
  }
  if (next != free_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == start) {
      prev->second += len;
      return Status();
    }
  }
  free_[start] = len;
  return Status();
}

bool RegionAllocator::Covers(uint64_t phys, uint64_t len) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = live_.upper_bound(phys);
  if (it == live_.begin()) return false;
  --it;
  const Allocation& a = it->second;
  return phys >= a.phys && len <= a.size && phys - a.phys <= a.size - len;
}

}  // namespace pynq_remote
