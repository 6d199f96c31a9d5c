#include "zynq/dma_memory.h"

#include <cstring>

namespace pynq_remote::zynq {

RegionMemory::RegionMemory(uint64_t phys_base, uint64_t size, uint8_t* cpu, bool device_memory)
    : allocator_(phys_base, size), cpu_(cpu), device_memory_(device_memory) {}

Result<Allocation> RegionMemory::Alloc(uint64_t size, uint64_t align, bool cacheable) {
  Result<Allocation> allocation = allocator_.Alloc(size, align);
  if (!allocation.ok()) {
    DeviceError error = allocation.error();
    error.message += " (" + Describe() + ")";
    return error;
  }
  std::lock_guard<std::mutex> lock(mu_);
  cacheable_by_phys_[allocation.value().phys] = cacheable;
  phys_by_handle_[allocation.value().handle] = allocation.value().phys;
  return allocation;
}

Status RegionMemory::Free(uint64_t handle) {
  Status freed = allocator_.Free(handle);
  if (!freed.ok()) return freed;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = phys_by_handle_.find(handle);
  if (it != phys_by_handle_.end()) {
    cacheable_by_phys_.erase(it->second);
    phys_by_handle_.erase(it);
  }
  return {};
}

Result<Allocation> RegionMemory::Restore(uint64_t phys, uint64_t size) {
  Result<Allocation> allocation = allocator_.AllocAt(phys, size);
  if (!allocation.ok()) return allocation;
  std::lock_guard<std::mutex> lock(mu_);
  // The journal does not say; cacheable is PYNQ's default and the safe side here, since the
  // client flushes and invalidates cacheable buffers itself.
  cacheable_by_phys_[phys] = true;
  phys_by_handle_[allocation.value().handle] = phys;
  return allocation;
}

Result<bool> RegionMemory::Lookup(uint64_t phys, uint64_t len, const char* what) const {
  if (!allocator_.Covers(phys, len == 0 ? 1 : len)) {
    return MakeError(ErrorCode::kOutOfWindow,
                     std::string(what) + " of " + std::to_string(len) + " bytes at " + Hex(phys) +
                         " is not inside one buffer of " + Describe(),
                     phys);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cacheable_by_phys_.upper_bound(phys);
  if (it == cacheable_by_phys_.begin()) return true;
  return std::prev(it)->second;
}

Status RegionMemory::Read(uint64_t phys, void* dst, size_t len) {
  Result<bool> cacheable = Lookup(phys, len, "memory read");
  if (!cacheable.ok()) return cacheable.error();
  if (len == 0) return {};
  const uint64_t offset = phys - phys_base();
  // A non-cacheable buffer: the PL may have written it since; drop stale lines first.
  if (!cacheable.value()) {
    Status synced = SyncForCpu(offset, len);
    if (!synced.ok()) return synced;
  }
  if (device_memory_) {
    CopyFromDeviceMemory(static_cast<uint8_t*>(dst), cpu_ + offset, len);
  } else {
    std::memcpy(dst, cpu_ + offset, len);
  }
  return {};
}

Status RegionMemory::Write(uint64_t phys, const void* src, size_t len) {
  Result<bool> cacheable = Lookup(phys, len, "memory write");
  if (!cacheable.ok()) return cacheable.error();
  if (len == 0) return {};
  const uint64_t offset = phys - phys_base();
  if (device_memory_) {
    CopyToDeviceMemory(cpu_ + offset, static_cast<const uint8_t*>(src), len);
  } else {
    std::memcpy(cpu_ + offset, src, len);
  }
  // A non-cacheable buffer gets no flush from the client: make the write visible now.
  if (!cacheable.value()) return SyncForDevice(offset, len);
  return {};
}

Status RegionMemory::Flush(uint64_t phys, size_t len) {
  Result<bool> cacheable = Lookup(phys, len, "flush");
  if (!cacheable.ok()) return cacheable.error();
  return len == 0 ? Status() : SyncForDevice(phys - phys_base(), len);
}

Status RegionMemory::Invalidate(uint64_t phys, size_t len) {
  Result<bool> cacheable = Lookup(phys, len, "invalidate");
  if (!cacheable.ok()) return cacheable.error();
  return len == 0 ? Status() : SyncForCpu(phys - phys_base(), len);
}

namespace {

// The widest naturally aligned access at `addr` that `left` bytes allow.
size_t AccessWidth(uintptr_t addr, size_t left) {
  for (size_t width : {8, 4, 2}) {
    if (left >= width && addr % width == 0) return width;
  }
  return 1;
}

}  // namespace

void CopyToDeviceMemory(volatile uint8_t* dst, const uint8_t* src, size_t len) {
  size_t done = 0;
  while (done < len) {
    volatile uint8_t* d = dst + done;
    const size_t width = AccessWidth(reinterpret_cast<uintptr_t>(d), len - done);
    // The source is ordinary memory: memcpy reads it unaligned safely.
    switch (width) {
      case 8: {
        uint64_t v;
        std::memcpy(&v, src + done, 8);
        *reinterpret_cast<volatile uint64_t*>(d) = v;
        break;
      }
      case 4: {
        uint32_t v;
        std::memcpy(&v, src + done, 4);
        *reinterpret_cast<volatile uint32_t*>(d) = v;
        break;
      }
      case 2: {
        uint16_t v;
        std::memcpy(&v, src + done, 2);
        *reinterpret_cast<volatile uint16_t*>(d) = v;
        break;
      }
      default:
        *d = src[done];
    }
    done += width;
  }
}

void CopyFromDeviceMemory(uint8_t* dst, const volatile uint8_t* src, size_t len) {
  size_t done = 0;
  while (done < len) {
    const volatile uint8_t* s = src + done;
    const size_t width = AccessWidth(reinterpret_cast<uintptr_t>(s), len - done);
    switch (width) {
      case 8: {
        uint64_t v = *reinterpret_cast<const volatile uint64_t*>(s);
        std::memcpy(dst + done, &v, 8);
        break;
      }
      case 4: {
        uint32_t v = *reinterpret_cast<const volatile uint32_t*>(s);
        std::memcpy(dst + done, &v, 4);
        break;
      }
      case 2: {
        uint16_t v = *reinterpret_cast<const volatile uint16_t*>(s);
        std::memcpy(dst + done, &v, 2);
        break;
      }
      default:
        dst[done] = *s;
    }
    done += width;
  }
}

}  // namespace pynq_remote::zynq
