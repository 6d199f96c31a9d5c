// A reserved-memory carve-out (a /reserved-memory node with no-map the kernel never uses)
// mapped through /dev/mem. O_SYNC makes the mapping uncached, so there is no cache to
// maintain; on arm64 a no-map region maps as Device memory, where unaligned accesses fault.
#include "zynq/dma_memory.h"
#include "zynq/phys_mapper.h"

namespace pynq_remote::zynq {
namespace {

class CarveoutMemory final : public RegionMemory {
 public:
  CarveoutMemory(std::string name, uint64_t base, uint64_t size, uint8_t* cpu)
      : RegionMemory(base, size, cpu, /*device_memory=*/true), name_(std::move(name)) {}

  std::string Describe() const override {
    return "carve-out " + name_ + ": " + std::to_string(BytesTotal() >> 20) + " MiB at " +
           Hex(phys_base()) + ", uncached";
  }

 protected:
  Status SyncForDevice(uint64_t, uint64_t) override {
    __sync_synchronize();  // order our stores before the PL is told to start
    return {};
  }
  Status SyncForCpu(uint64_t, uint64_t) override {
    __sync_synchronize();
    return {};
  }

 private:
  const std::string name_;
};

}  // namespace

Result<std::unique_ptr<DmaMemory>> OpenCarveoutMemory(PhysMapper& mapper,
                                                      const std::string& window_name, uint64_t base,
                                                      uint64_t size) {
  Result<uint8_t*> cpu = mapper.MapWindow(window_name);
  if (!cpu.ok()) return cpu.error();
  return std::unique_ptr<DmaMemory>(new CarveoutMemory(window_name, base, size, cpu.value()));
}

}  // namespace pynq_remote::zynq
