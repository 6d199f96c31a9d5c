// OpenXrtMemory for a server built with XRT: one xrt::bo per allocation.
//
// Coherence: zocl maps a BO allocated without the cacheable flag uncached (write-combining)
// into user space and marks it coherent, so its sync is a no-op in the driver; a cacheable
// BO is mapped cached and its sync is real cache maintenance. This class still syncs a
// non-cacheable BO around each access, as dma_memory.h promises for every source: it costs
// one ioctl and holds should a driver map such BOs otherwise (XRT's documentation asks for
// sync on every platform).
#include "zynq/xrt_memory.h"

#include <xrt/xrt_bo.h>
#include <xrt/xrt_device.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <system_error>

namespace pynq_remote::zynq {
namespace {

constexpr uint64_t kPageSize = 4096;

// zocl's memory group 0: CMA while no xclbin names PL-side banks, as on PYNQ.
constexpr xrt::memory_group kGroup = 0;

// Orders CPU writes through a write-combining mapping before a later MMIO write that starts
// the PL (the job Linux's writel() gives dma_wmb()): plain stores do not drain the buffer.
inline void DrainWriteCombining() {
#if defined(__aarch64__)
  asm volatile("dsb st" ::: "memory");
#elif defined(__arm__)
  asm volatile("dsb" ::: "memory");
#else
  std::atomic_thread_fence(std::memory_order_seq_cst);
#endif
}

// The CMA pool, zocl's source of BOs, for Describe and BytesTotal; 0 when not shown.
uint64_t CmaBytes() {
  std::ifstream meminfo("/proc/meminfo");
  for (std::string line; std::getline(meminfo, line);) {
    std::istringstream words(line);
    std::string key;
    uint64_t kib = 0;
    if (words >> key >> kib && key == "CmaTotal:") return kib * 1024;
  }
  return 0;
}

// XRT reports failures as exceptions; ENOMEM from the driver is the board running out.
DeviceError FromException(const std::exception& e, const std::string& what) {
  const auto* system = dynamic_cast<const std::system_error*>(&e);
  const bool no_memory = dynamic_cast<const std::bad_alloc*>(&e) != nullptr ||
                         (system != nullptr && system->code().value() == ENOMEM);
  return MakeError(no_memory ? ErrorCode::kNoMemory : ErrorCode::kInternal,
                   what + ": XRT says: " + e.what());
}

class XrtMemory final : public DmaMemory {
 public:
  XrtMemory(xrt::device device, unsigned index, uint64_t cma_bytes)
      : device_(std::move(device)), index_(index), cma_bytes_(cma_bytes) {}

  std::string Describe() const override {
    std::string text = "XRT device " + std::to_string(index_) + ": buffer objects";
    if (cma_bytes_ != 0) text += " from " + std::to_string(cma_bytes_ >> 20) + " MiB of CMA";
    return text;
  }
  uint64_t BytesTotal() const override { return cma_bytes_; }

  Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) override;
  Status Free(uint64_t handle) override;
  Result<Allocation> Restore(uint64_t phys, uint64_t size) override {
    (void)size;
    return MakeError(ErrorCode::kUnsupported,
                     "the buffer at " + Hex(phys) +
                         " cannot be restored: XRT buffer objects are freed with the "
                         "process that allocated them",
                     phys);
  }
  Status Read(uint64_t phys, void* dst, size_t len) override;
  Status Write(uint64_t phys, const void* src, size_t len) override;
  Status Flush(uint64_t phys, size_t len) override;
  Status Invalidate(uint64_t phys, size_t len) override;

 private:
  struct Buffer {
    xrt::bo bo;
    uint8_t* cpu = nullptr;  // bo.map(), at phys_bo
    uint64_t phys_bo = 0;    // bo.address()
    uint64_t phys = 0;       // what the client got: phys_bo aligned up to the request
    uint64_t size = 0;       // usable from phys
    bool cacheable = false;
  };
  struct Span {
    std::shared_ptr<Buffer> buffer;
    uint64_t bo_offset = 0;  // of the span's first byte inside the BO
  };

  // The live buffer holding [phys, phys + len); kOutOfWindow when none does. Shared, so a
  // concurrent Free leaves the mapping alive until this access is done.
  Result<Span> Lookup(uint64_t phys, uint64_t len, const char* what) const;
  Status Sync(const Span& span, size_t len, xclBOSyncDirection direction, const char* what);

  xrt::device device_;
  const unsigned index_;
  const uint64_t cma_bytes_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::shared_ptr<Buffer>> by_phys_;
  std::map<uint64_t, uint64_t> phys_by_handle_;
  uint64_t next_handle_ = 1;
};

Result<Allocation> XrtMemory::Alloc(uint64_t size, uint64_t align, bool cacheable) {
  if (size == 0 || align < kPageSize || (align & (align - 1)) != 0) {
    return MakeError(ErrorCode::kInvalidArgument,
                     "cannot allocate " + std::to_string(size) + " bytes aligned to " +
                         std::to_string(align) +
                         ": the size must be above 0 and the alignment a power of two of at "
                         "least 4096");
  }
  // Far beyond any board's memory, and the padded size below must not wrap.
  if (size > (uint64_t{1} << 48) || align > (uint64_t{1} << 48)) {
    return MakeError(ErrorCode::kNoMemory, "cannot allocate " + std::to_string(size) +
                                               " bytes aligned to " + std::to_string(align) +
                                               " on " + Describe());
  }
  const uint64_t rounded = (size + kPageSize - 1) / kPageSize * kPageSize;
  const xrt::bo::flags flags = cacheable ? xrt::bo::flags::cacheable : xrt::bo::flags::normal;
  auto buffer = std::make_shared<Buffer>();
  bool placed = false;
  // CMA aligns a BO only to its own size's order (up to the kernel's CMA alignment), so a
  // larger alignment may need a second, padded BO with the buffer placed inside it.
  for (uint64_t padding : {uint64_t{0}, align - kPageSize}) {
    const std::string what = "cannot allocate " + std::to_string(rounded + padding) + " bytes (" +
                             (cacheable ? "cacheable" : "non-cacheable") + ") on " + Describe();
    try {
      buffer->bo = xrt::bo(device_, rounded + padding, flags, kGroup);
      buffer->phys_bo = buffer->bo.address();
      buffer->cpu = buffer->bo.map<uint8_t*>();
    } catch (const std::exception& e) {
      return FromException(e, what);
    }
    buffer->phys = (buffer->phys_bo + align - 1) & ~(align - 1);
    if (buffer->cpu != nullptr && buffer->phys - buffer->phys_bo <= padding) {
      placed = true;
      break;
    }
    buffer->bo = xrt::bo();  // misaligned: free it before asking for the padded one
    buffer->cpu = nullptr;
  }
  if (!placed) {
    return MakeError(ErrorCode::kInternal, "XRT gave no usable buffer object of " +
                                               std::to_string(rounded) + " bytes aligned to " +
                                               std::to_string(align) + " on " + Describe());
  }
  buffer->size = rounded;
  buffer->cacheable = cacheable;
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t handle = next_handle_++;
  phys_by_handle_[handle] = buffer->phys;
  by_phys_[buffer->phys] = buffer;
  return Allocation{handle, buffer->phys, rounded};
}

Status XrtMemory::Free(uint64_t handle) {
  std::shared_ptr<Buffer> buffer;  // released after the lock: unmapping takes a syscall
  std::lock_guard<std::mutex> lock(mu_);
  auto it = phys_by_handle_.find(handle);
  if (it == phys_by_handle_.end()) {
    return MakeError(ErrorCode::kUnknownId,
                     "no buffer has handle " + std::to_string(handle) + " on " + Describe());
  }
  buffer = std::move(by_phys_[it->second]);
  by_phys_.erase(it->second);
  phys_by_handle_.erase(it);
  return {};
}

Result<XrtMemory::Span> XrtMemory::Lookup(uint64_t phys, uint64_t len, const char* what) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_phys_.upper_bound(phys);
  if (it != by_phys_.begin()) {
    const std::shared_ptr<Buffer>& buffer = std::prev(it)->second;
    const uint64_t offset = phys - buffer->phys;
    if (offset < buffer->size && len <= buffer->size - offset) {
      return Span{buffer, buffer->phys - buffer->phys_bo + offset};
    }
  }
  return MakeError(ErrorCode::kOutOfWindow,
                   std::string(what) + " of " + std::to_string(len) + " bytes at " + Hex(phys) +
                       " is not inside one buffer of " + Describe(),
                   phys);
}

Status XrtMemory::Sync(const Span& span, size_t len, xclBOSyncDirection direction,
                       const char* what) {
  try {
    span.buffer->bo.sync(direction, len, span.bo_offset);
  } catch (const std::exception& e) {
    return FromException(e, std::string("cannot ") + what + " " + std::to_string(len) +
                                " bytes at " + Hex(span.buffer->phys_bo + span.bo_offset));
  }
  return {};
}

Status XrtMemory::Read(uint64_t phys, void* dst, size_t len) {
  Result<Span> span = Lookup(phys, len, "memory read");
  if (!span.ok()) return span.error();
  if (len == 0) return {};
  if (!span.value().buffer->cacheable) {
    Status synced = Sync(span.value(), len, XCL_BO_SYNC_BO_FROM_DEVICE, "invalidate");
    if (!synced.ok()) return synced;
  }
  std::memcpy(dst, span.value().buffer->cpu + span.value().bo_offset, len);
  return {};
}

Status XrtMemory::Write(uint64_t phys, const void* src, size_t len) {
  Result<Span> span = Lookup(phys, len, "memory write");
  if (!span.ok()) return span.error();
  if (len == 0) return {};
  std::memcpy(span.value().buffer->cpu + span.value().bo_offset, src, len);
  if (span.value().buffer->cacheable) return {};
  // A non-cacheable buffer gets no flush from the client: make the write visible now.
  DrainWriteCombining();
  return Sync(span.value(), len, XCL_BO_SYNC_BO_TO_DEVICE, "flush");
}

Status XrtMemory::Flush(uint64_t phys, size_t len) {
  Result<Span> span = Lookup(phys, len, "flush");
  if (!span.ok()) return span.error();
  return len == 0 ? Status() : Sync(span.value(), len, XCL_BO_SYNC_BO_TO_DEVICE, "flush");
}

Status XrtMemory::Invalidate(uint64_t phys, size_t len) {
  Result<Span> span = Lookup(phys, len, "invalidate");
  if (!span.ok()) return span.error();
  return len == 0 ? Status() : Sync(span.value(), len, XCL_BO_SYNC_BO_FROM_DEVICE, "invalidate");
}

}  // namespace

Result<std::unique_ptr<DmaMemory>> OpenXrtMemory(unsigned device_index) {
  try {
    xrt::device device(device_index);
    return std::unique_ptr<DmaMemory>(
        std::make_unique<XrtMemory>(std::move(device), device_index, CmaBytes()));
  } catch (const std::exception& e) {
    // XRT loads its driver shim from $XILINX_XRT/lib. Board images set XILINX_XRT in login
    // shells (/etc/profile.d), which a service does not read.
    const std::string hint =
        std::getenv("XILINX_XRT") == nullptr
            ? "; set XILINX_XRT to XRT's install prefix (/usr on PYNQ images) in the "
              "server's environment"
            : "";
    return MakeError(ErrorCode::kInternal,
                     "--memory xrt: cannot open XRT device " + std::to_string(device_index) + " (" +
                         e.what() + ")" + hint +
                         "; XRT buffers need the zocl driver of an XRT board image "
                         "(/dev/dri/renderD*); or use --memory udmabuf|carveout");
  }
}

}  // namespace pynq_remote::zynq
