#include "zynq/phys_mapper.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "device/mmio_access.h"
#include "zynq/board_files.h"

namespace pynq_remote::zynq {
namespace {

uint64_t PageSize() {
  static const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return page;
}
uint64_t PageFloor(uint64_t a) { return a & ~(PageSize() - 1); }
uint64_t PageCeil(uint64_t a) { return PageFloor(a + PageSize() - 1); }

// One load or store of exactly sizeof(T) bytes. Clients on several threads may touch one
// register at once, as CPUs do on a board: each access is single-copy atomic, which relaxed
// atomics say to the compiler (and to ThreadSanitizer, where a fake board's registers are
// plain memory) and which compile to the plain ldr/str of that width. Except 8 bytes on
// 32-bit ARM: an atomic there is an exclusive pair, not allowed on Device memory, so that
// stays a volatile access (the 32-bit bus splits it anyway).
#if defined(__arm__)
constexpr bool kAtomic64 = false;
#else
constexpr bool kAtomic64 = true;
#endif

template <typename T>
uint64_t LoadRegister(volatile uint8_t* address) {
  auto* reg = reinterpret_cast<volatile T*>(address);
  if constexpr (sizeof(T) == 8 && !kAtomic64) {
    return *reg;
  } else {
    return __atomic_load_n(reg, __ATOMIC_RELAXED);
  }
}

template <typename T>
void StoreRegister(volatile uint8_t* address, uint64_t value) {
  auto* reg = reinterpret_cast<volatile T*>(address);
  if constexpr (sizeof(T) == 8 && !kAtomic64) {
    *reg = static_cast<T>(value);
  } else {
    __atomic_store_n(reg, static_cast<T>(value), __ATOMIC_RELAXED);
  }
}

}  // namespace

Result<std::unique_ptr<PhysMapper>> PhysMapper::Open(const std::string& dev_mem_path,
                                                     std::vector<AddressWindow> windows) {
  int fd = open(dev_mem_path.c_str(), O_RDWR | O_SYNC | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string advice = err == EACCES || err == EPERM
                             ? " (the server needs root, or CAP_SYS_RAWIO and write access to it)"
                         : err == ENOENT ? " (a kernel without CONFIG_DEVMEM?)"
                                         : "";
    return MakeError(ErrorCode::kUnsupported,
                     "cannot open " + dev_mem_path + " for MMIO: " + ErrnoText(err) + advice);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return MakeError(ErrorCode::kInternal, "cannot stat " + dev_mem_path + ": " + ErrnoText(err));
  }
  const bool stand_in = S_ISREG(st.st_mode);
  if (!stand_in && !S_ISCHR(st.st_mode)) {
    close(fd);
    return MakeError(ErrorCode::kUnsupported,
                     dev_mem_path + " is neither the memory device nor a regular file");
  }
  for (const AddressWindow& w : windows) {
    if (w.size == 0 || w.base + w.size < w.base) {
      close(fd);
      return MakeError(ErrorCode::kInvalidArgument,
                       "window " + w.name + " at " + Hex(w.base) + " has a bad size");
    }
    // Mapping past the end of a regular file gives SIGBUS on access, not an error.
    if (stand_in && PageCeil(w.base + w.size) > static_cast<uint64_t>(st.st_size)) {
      close(fd);
      return MakeError(ErrorCode::kUnsupported,
                       "the /dev/mem stand-in " + dev_mem_path + " is " +
                           std::to_string(st.st_size) + " bytes, too small for window " + w.name +
                           " (" + Hex(w.base) + ".." + Hex(w.base + w.size) +
                           "); make it a sparse file that holds every window: truncate -s " +
                           std::to_string(PageCeil(w.base + w.size)) + " " + dev_mem_path);
    }
  }
  return std::unique_ptr<PhysMapper>(new PhysMapper(fd, stand_in, std::move(windows)));
}

PhysMapper::PhysMapper(int fd, bool stand_in, std::vector<AddressWindow> windows)
    : fd_(fd), stand_in_(stand_in), windows_(std::move(windows)) {
  maps_.resize(windows_.size());
  for (size_t i = 0; i < windows_.size(); ++i) {
    WindowMap& m = maps_[i];
    m.chunk_base = PageFloor(windows_[i].base);
    const uint64_t end = PageCeil(windows_[i].base + windows_[i].size);
    m.chunk_count = static_cast<size_t>((end - m.chunk_base + kChunkBytes - 1) / kChunkBytes);
    m.chunks.reset(new std::atomic<uint8_t*>[m.chunk_count]);
    for (size_t c = 0; c < m.chunk_count; ++c) m.chunks[c].store(nullptr);
  }
}

PhysMapper::~PhysMapper() {
  for (size_t i = 0; i < maps_.size(); ++i) {
    WindowMap& m = maps_[i];
    const uint64_t end = PageCeil(windows_[i].base + windows_[i].size);
    for (size_t c = 0; c < m.chunk_count; ++c) {
      uint8_t* p = m.chunks[c].load();
      if (p == nullptr) continue;
      const uint64_t start = m.chunk_base + c * kChunkBytes;
      munmap(p, std::min<uint64_t>(kChunkBytes, end - start));
    }
    if (m.whole != nullptr) munmap(m.whole, m.whole_len);
  }
  close(fd_);
}

int PhysMapper::FindWindow(uint64_t phys, uint64_t len) const {
  const AddressWindow* window = ::pynq_remote::FindWindow(windows_, phys, len);
  return window == nullptr ? -1 : static_cast<int>(window - windows_.data());
}

Result<volatile uint8_t*> PhysMapper::MapChunk(size_t window, size_t chunk) {
  WindowMap& m = maps_[window];
  std::lock_guard<std::mutex> lock(map_mu_);
  uint8_t* p = m.chunks[chunk].load(std::memory_order_acquire);
  if (p != nullptr) return static_cast<volatile uint8_t*>(p);
  const uint64_t start = m.chunk_base + chunk * kChunkBytes;
  const uint64_t end = PageCeil(windows_[window].base + windows_[window].size);
  const size_t len = static_cast<size_t>(std::min<uint64_t>(kChunkBytes, end - start));
  void* mapped =
      mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, static_cast<off_t>(start));
  if (mapped == MAP_FAILED) {
    int err = errno;
    return MakeError(ErrorCode::kInternal,
                     "cannot map " + std::to_string(len) + " bytes of /dev/mem at " + Hex(start) +
                         " (window " + windows_[window].name + "): " + ErrnoText(err),
                     start);
  }
  p = static_cast<uint8_t*>(mapped);
  m.chunks[chunk].store(p, std::memory_order_release);
  return static_cast<volatile uint8_t*>(p);
}

Result<volatile uint8_t*> PhysMapper::Map(uint64_t phys, uint64_t len) {
  const int window = FindWindow(phys, len == 0 ? 1 : len);
  if (window < 0) {
    return MakeError(ErrorCode::kOutOfWindow,
                     "address " + Hex(phys) + " (+" + std::to_string(len) +
                         " bytes) is outside every window this server maps",
                     phys);
  }
  WindowMap& m = maps_[window];
  const uint64_t offset = phys - m.chunk_base;
  const size_t chunk = static_cast<size_t>(offset / kChunkBytes);
  if ((offset + (len == 0 ? 1 : len) - 1) / kChunkBytes != chunk) {
    return MakeError(
        ErrorCode::kInvalidArgument,
        "access at " + Hex(phys) + " of " + std::to_string(len) + " bytes crosses a mapping chunk",
        phys);
  }
  uint8_t* p = m.chunks[chunk].load(std::memory_order_acquire);
  if (p == nullptr) {
    Result<volatile uint8_t*> mapped = MapChunk(static_cast<size_t>(window), chunk);
    if (!mapped.ok()) return mapped;
    return mapped.value() + (offset % kChunkBytes);
  }
  return static_cast<volatile uint8_t*>(p + (offset % kChunkBytes));
}

Result<uint8_t*> PhysMapper::MapWindow(const std::string& name) {
  for (size_t i = 0; i < windows_.size(); ++i) {
    if (windows_[i].name != name) continue;
    WindowMap& m = maps_[i];
    std::lock_guard<std::mutex> lock(map_mu_);
    const uint64_t offset_in_page = windows_[i].base - m.chunk_base;
    if (m.whole == nullptr) {
      const size_t len =
          static_cast<size_t>(PageCeil(windows_[i].base + windows_[i].size) - m.chunk_base);
      void* mapped = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd_,
                          static_cast<off_t>(m.chunk_base));
      if (mapped == MAP_FAILED) {
        int err = errno;
        return MakeError(ErrorCode::kInternal, "cannot map " + name + " (" + std::to_string(len) +
                                                   " bytes at " + Hex(m.chunk_base) +
                                                   ") from /dev/mem: " + ErrnoText(err));
      }
      m.whole = static_cast<uint8_t*>(mapped);
      m.whole_len = len;
    }
    return m.whole + offset_in_page;
  }
  return MakeError(ErrorCode::kInternal, "no window named " + name);
}

Result<volatile uint8_t*> PhysMapper::MapRegister(uint64_t phys, int width) {
  // Only the shape: which windows are mapped is this mapper's own business (Map).
  Status shape = CheckMmioShape(phys, width);
  if (!shape.ok()) return shape.error();
  return Map(phys, static_cast<uint64_t>(width));
}

Result<uint64_t> PhysMapper::Read(uint64_t phys, int width) {
  Result<volatile uint8_t*> p = MapRegister(phys, width);
  if (!p.ok()) return p.error();
  volatile uint8_t* a = p.value();
  switch (width) {
    case 1:
      return LoadRegister<uint8_t>(a);
    case 2:
      return LoadRegister<uint16_t>(a);
    case 4:
      return LoadRegister<uint32_t>(a);
    default:
      return LoadRegister<uint64_t>(a);
  }
}

Status PhysMapper::Write(uint64_t phys, int width, uint64_t value) {
  Result<volatile uint8_t*> p = MapRegister(phys, width);
  if (!p.ok()) return p.error();
  volatile uint8_t* a = p.value();
  switch (width) {
    case 1:
      StoreRegister<uint8_t>(a, value);
      break;
    case 2:
      StoreRegister<uint16_t>(a, value);
      break;
    case 4:
      StoreRegister<uint32_t>(a, value);
      break;
    default:
      StoreRegister<uint64_t>(a, value);
  }
  return {};
}

}  // namespace pynq_remote::zynq
