// Physical address space through /dev/mem, limited to the windows the backend was given
// (PL bus windows, PS register pages, a memory carve-out): an address outside them is never
// mapped. Windows are mapped lazily in aligned chunks and the mappings kept, so an access
// after the first costs one table lookup. On a board /dev/mem is the kernel's device; in a
// fake board tree it is a regular (sparse) file, which must be large enough to hold every
// window, or mapping it would fault on access.
#ifndef PYNQ_REMOTE_SERVER_ZYNQ_PHYS_MAPPER_H_
#define PYNQ_REMOTE_SERVER_ZYNQ_PHYS_MAPPER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote::zynq {

class PhysMapper {
 public:
  /// Opens `dev_mem_path` (O_SYNC: uncached, as registers need). Errors name the file and
  /// what to do (root, CAP_SYS_RAWIO, a kernel without STRICT_DEVMEM for RAM).
  static Result<std::unique_ptr<PhysMapper>> Open(const std::string& dev_mem_path,
                                                  std::vector<AddressWindow> windows);
  ~PhysMapper();
  PhysMapper(const PhysMapper&) = delete;
  PhysMapper& operator=(const PhysMapper&) = delete;

  /// True when /dev/mem is a regular file standing in for the device (a fake board tree).
  bool is_stand_in() const { return stand_in_; }
  const std::vector<AddressWindow>& windows() const { return windows_; }

  /// The CPU address of [phys, phys + len), which must lie inside one window and one
  /// chunk of it (kChunkBytes, aligned). kOutOfWindow / kInternal (mmap failed).
  Result<volatile uint8_t*> Map(uint64_t phys, uint64_t len);
  /// Maps a whole window at once (a carve-out) and returns its base.
  Result<uint8_t*> MapWindow(const std::string& name);

  /// Exact-width register accesses: width 1, 2, 4 or 8, naturally aligned. One load or
  /// store of that width, never a wider one that could side-effect a neighbour register.
  Result<uint64_t> Read(uint64_t phys, int width);
  Status Write(uint64_t phys, int width, uint64_t value);

  static constexpr uint64_t kChunkBytes = 1 << 20;

 private:
  PhysMapper(int fd, bool stand_in, std::vector<AddressWindow> windows);
  struct WindowMap {
    uint64_t chunk_base = 0;  // windows[i].base rounded down to a page
    std::unique_ptr<std::atomic<uint8_t*>[]> chunks;
    size_t chunk_count = 0;
    uint8_t* whole = nullptr;  // MapWindow's mapping, if made
    size_t whole_len = 0;
  };
  Result<volatile uint8_t*> MapChunk(size_t window, size_t chunk);
  // Map() of one register access, after CheckMmioShape (device/mmio_access.h).
  Result<volatile uint8_t*> MapRegister(uint64_t phys, int width);
  int FindWindow(uint64_t phys, uint64_t len) const;

  const int fd_;
  const bool stand_in_;
  const std::vector<AddressWindow> windows_;
  std::vector<WindowMap> maps_;
  std::mutex map_mu_;  // serialises mmap calls; lookups are lock-free
};

}  // namespace pynq_remote::zynq

#endif  // PYNQ_REMOTE_SERVER_ZYNQ_PHYS_MAPPER_H_
