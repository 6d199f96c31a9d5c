// Where the hardware backend's buffers come from: physically contiguous memory a PL master
// can reach, without XRT. Three sources, chosen by --memory:
//   udmabuf   the u-dma-buf driver's /dev/udmabufN, its phys_addr/size/sync_* in sysfs
//   carveout  a reserved-memory region of the device tree, mapped through /dev/mem
//   xrt       XRT (zocl) buffer objects, when the server was built with XRT
// Clients never map this memory (they are on another machine): every CPU access goes
// through Read/Write here, so a buffer allocated non-cacheable is kept coherent by syncing
// around each access, and a cacheable one by the client's explicit flush/invalidate.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_DMA_MEMORY_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_DMA_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "device/device.h"
#include "device/region_allocator.h"
#include "zynq/board_files.h"

namespace pynq_remote::zynq {

class DmaMemory {
 public:
  virtual ~DmaMemory() = default;

  /// For the start-up log and errors: "u-dma-buf udmabuf0: 64 MiB at 0x70000000, coherent".
  virtual std::string Describe() const = 0;
  virtual uint64_t BytesTotal() const = 0;

  /// align: a power of two >= 4096. kNoMemory with the numbers when nothing fits.
  virtual Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) = 0;
  virtual Status Free(uint64_t handle) = 0;
  /// Takes back [phys, phys + size) after a server restart (the memory outlived us).
  virtual Result<Allocation> Restore(uint64_t phys, uint64_t size) = 0;

  /// CPU access to [phys, phys + len) inside one live allocation; kOutOfWindow otherwise.
  virtual Status Read(uint64_t phys, void* dst, size_t len) = 0;
  virtual Status Write(uint64_t phys, const void* src, size_t len) = 0;
  /// CPU writes -> visible to the PL, and PL writes -> visible to the CPU. No-ops where
  /// the memory is coherent or mapped uncached.
  virtual Status Flush(uint64_t phys, size_t len) = 0;
  virtual Status Invalidate(uint64_t phys, size_t len) = 0;
};

/// One mapped, physically contiguous region handed out in pieces (u-dma-buf, carve-out).
/// Subclasses map the region and say how to keep caches coherent.
class RegionMemory : public DmaMemory {
 public:
  uint64_t BytesTotal() const override { return allocator_.size(); }
  Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) override;
  Status Free(uint64_t handle) override;
  Result<Allocation> Restore(uint64_t phys, uint64_t size) override;
  Status Read(uint64_t phys, void* dst, size_t len) override;
  Status Write(uint64_t phys, const void* src, size_t len) override;
  Status Flush(uint64_t phys, size_t len) override;
  Status Invalidate(uint64_t phys, size_t len) override;

 protected:
  /// `cpu` maps [phys_base, phys_base + size). `device_memory`: the mapping is Device
  /// memory (arm64 /dev/mem of a no-map region), where an unaligned access faults, so
  /// copies use aligned accesses only.
  RegionMemory(uint64_t phys_base, uint64_t size, uint8_t* cpu, bool device_memory);

  /// Cache maintenance of [offset, offset + len) of the region. Called with no lock held.
  virtual Status SyncForDevice(uint64_t offset, uint64_t len) = 0;
  virtual Status SyncForCpu(uint64_t offset, uint64_t len) = 0;

  uint64_t phys_base() const { return allocator_.base(); }
  uint8_t* cpu() const { return cpu_; }

 private:
  // The allocation holding [phys, phys + len): whether it is cacheable. kOutOfWindow if none.
  Result<bool> Lookup(uint64_t phys, uint64_t len, const char* what) const;

  RegionAllocator allocator_;
  uint8_t* const cpu_;
  const bool device_memory_;
  mutable std::mutex mu_;
  std::map<uint64_t, bool> cacheable_by_phys_;  // live allocations: phys -> cacheable
  std::map<uint64_t, uint64_t> phys_by_handle_;
};

class PhysMapper;

/// The u-dma-buf devices `names` (empty: every one in sysfs), each mapped cached with its
/// sysfs sync interface (none needed when it reports dma_coherent). Errors say what was
/// looked for: no u-dma-buf device, a name that is not there, an unreadable attribute.
Result<std::vector<std::unique_ptr<DmaMemory>>> OpenUdmabufMemory(
    const BoardFiles& files, const std::vector<std::string>& names);

/// The mapper's window `window_name` (a reserved-memory carve-out) as buffer memory. It is
/// mapped through /dev/mem uncached, so flush and invalidate have nothing to do; on a board
/// that mapping is Device memory, so copies use aligned accesses.
Result<std::unique_ptr<DmaMemory>> OpenCarveoutMemory(PhysMapper& mapper,
                                                      const std::string& window_name, uint64_t base,
                                                      uint64_t size);

/// Copies that touch `device` memory with naturally aligned 1/2/4/8-byte accesses only.
void CopyToDeviceMemory(volatile uint8_t* dst, const uint8_t* src, size_t len);
void CopyFromDeviceMemory(uint8_t* dst, const volatile uint8_t* src, size_t len);

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_DMA_MEMORY_H_
