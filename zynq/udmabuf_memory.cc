// u-dma-buf (github.com/ikwzm/udmabuf): a kernel module that allocates contiguous DMA
// buffers and exposes each as /dev/<name> plus sysfs attributes. Version 3 and later use the
// class u-dma-buf, earlier ones udmabuf; both are looked for.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "zynq/dma_memory.h"

namespace pynq_remote::zynq {
namespace {

constexpr const char* kClassDirs[] = {"/sys/class/u-dma-buf", "/sys/class/udmabuf"};
// sync_direction values (the kernel's enum dma_data_direction).
constexpr int kToDevice = 1, kFromDevice = 2;

std::string Mib(uint64_t bytes) {
  return bytes % (1 << 20) == 0 ? std::to_string(bytes >> 20) + " MiB"
                                : std::to_string(bytes) + " bytes";
}

class UdmabufMemory final : public RegionMemory {
 public:
  UdmabufMemory(const BoardFiles& files, std::string name, std::string sysfs_dir, uint64_t phys,
                uint64_t size, uint8_t* cpu, bool coherent)
      : RegionMemory(phys, size, cpu, /*device_memory=*/false),
        files_(files),
        name_(std::move(name)),
        sysfs_dir_(std::move(sysfs_dir)),
        size_(size),
        coherent_(coherent) {}
  ~UdmabufMemory() override { munmap(cpu(), size_); }

  std::string Describe() const override {
    return "u-dma-buf " + name_ + ": " + Mib(size_) + " at " + Hex(phys_base()) +
           (coherent_ ? ", coherent" : ", cached with sysfs sync");
  }

 protected:
  Status SyncForDevice(uint64_t offset, uint64_t len) override {
    return Sync(offset, len, kToDevice, "sync_for_device");
  }
  Status SyncForCpu(uint64_t offset, uint64_t len) override {
    return Sync(offset, len, kFromDevice, "sync_for_cpu");
  }

 private:
  // The sync attributes are one set per device: serialise offset/size/direction + trigger.
  Status Sync(uint64_t offset, uint64_t len, int direction, const char* trigger) {
    if (coherent_) return {};
    std::lock_guard<std::mutex> lock(sync_mu_);
    const std::pair<const char*, std::string> writes[] = {
        {"sync_offset", std::to_string(offset)},
        {"sync_size", std::to_string(len)},
        {"sync_direction", std::to_string(direction)},
        {trigger, "1"},
    };
    for (const auto& [leaf, value] : writes) {
      Status written = files_.WriteAttribute(sysfs_dir_ + "/" + leaf, value);
      if (!written.ok()) {
        return MakeError(ErrorCode::kInternal,
                         "cache maintenance of " + name_ + " failed: " + written.error().message);
      }
    }
    return {};
  }

  const BoardFiles& files_;
  const std::string name_;
  const std::string sysfs_dir_;
  const uint64_t size_;
  const bool coherent_;
  std::mutex sync_mu_;
};

// The sysfs directory of device `name`, or "" when neither class has it.
std::string SysfsDir(const BoardFiles& files, const std::string& name) {
  for (const char* dir : kClassDirs) {
    const std::string path = std::string(dir) + "/" + name;
    if (files.IsDirectory(path)) return path;
  }
  return "";
}

Result<std::unique_ptr<DmaMemory>> OpenOne(const BoardFiles& files, const std::string& name) {
  const std::string sysfs = SysfsDir(files, name);
  if (sysfs.empty()) {
    return MakeError(ErrorCode::kUnsupported, "no u-dma-buf device " + name + " (looked in " +
                                                  files.Path(kClassDirs[0]) + " and " +
                                                  files.Path(kClassDirs[1]) + ")");
  }
  Result<uint64_t> phys = files.ReadNumber(sysfs + "/phys_addr");
  if (!phys.ok()) return phys.error();
  Result<uint64_t> size = files.ReadNumber(sysfs + "/size");
  if (!size.ok()) return size.error();
  if (size.value() < 4096 || phys.value() % 4096 != 0) {
    return MakeError(ErrorCode::kUnsupported, "u-dma-buf " + name + " reports " +
                                                  std::to_string(size.value()) + " bytes at " +
                                                  Hex(phys.value()) +
                                                  ": want at least one 4 KiB page, page aligned");
  }
  Result<uint64_t> coherent = files.ReadNumber(sysfs + "/dma_coherent");
  const bool is_coherent = coherent.ok() && coherent.value() != 0;
  if (!is_coherent) {
    for (const char* leaf :
         {"sync_offset", "sync_size", "sync_direction", "sync_for_cpu", "sync_for_device"}) {
      if (!files.Exists(sysfs + "/" + leaf)) {
        return MakeError(ErrorCode::kUnsupported,
                         "u-dma-buf " + name + " has no " + files.Path(sysfs + "/" + leaf) +
                             ": a u-dma-buf too old for manual cache maintenance (v2.0 or "
                             "later is needed)");
      }
    }
  }
  const std::string dev = files.Path("/dev/" + name);
  // Without O_SYNC the mapping is cached; the sync attributes keep it coherent.
  int fd = open(dev.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    return MakeError(ErrorCode::kUnsupported,
                     "cannot open " + dev + ": " + ErrnoText(err) +
                         (err == ENOENT ? " (no device node: udev?)" : ""));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<uint64_t>(st.st_size) < size.value()) {
    close(fd);
    return MakeError(ErrorCode::kUnsupported,
                     "the stand-in " + dev + " is " + std::to_string(st.st_size) + " bytes, but " +
                         sysfs + "/size says " + std::to_string(size.value()));
  }
  void* cpu = mmap(nullptr, size.value(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd);  // the mapping keeps the buffer
  if (cpu == MAP_FAILED) {
    return MakeError(ErrorCode::kInternal,
                     "cannot map " + dev + " (" + Mib(size.value()) + "): " + ErrnoText(err));
  }
  return std::unique_ptr<DmaMemory>(new UdmabufMemory(
      files, name, sysfs, phys.value(), size.value(), static_cast<uint8_t*>(cpu), is_coherent));
}

}  // namespace

Result<std::vector<std::unique_ptr<DmaMemory>>> OpenUdmabufMemory(
    const BoardFiles& files, const std::vector<std::string>& names) {
  std::vector<std::string> wanted = names;
  if (wanted.empty()) {
    for (const char* dir : kClassDirs) {
      for (const std::string& name : files.List(dir)) wanted.push_back(name);
    }
    if (wanted.empty()) {
      return MakeError(ErrorCode::kUnsupported,
                       "no u-dma-buf device: neither " + files.Path(kClassDirs[0]) + " nor " +
                           files.Path(kClassDirs[1]) +
                           " lists one (the module is not loaded?). Load it with a buffer, "
                           "e.g. `modprobe "
                           "u-dma-buf udmabuf0=67108864`, or add a u-dma-buf node to the "
                           "device tree; or start with --memory carveout:BASE:SIZE");
    }
  }
  std::vector<std::unique_ptr<DmaMemory>> memories;
  for (const std::string& name : wanted) {
    Result<std::unique_ptr<DmaMemory>> memory = OpenOne(files, name);
    if (!memory.ok()) return memory.error();
    memories.push_back(std::move(memory).value());
  }
  return memories;
}

}  // namespace pynq_remote::zynq
