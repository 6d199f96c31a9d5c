#include "zynq/zynq_device.h"

#include <sys/utsname.h>

#include <cstdlib>
#include <mutex>

#include "device/mmio_access.h"
#include "device/ps_clocks.h"
#include "device/ps_windows.h"
#include "state/log.h"
#include "zynq/board_files.h"
#include "zynq/device_tree.h"
#include "zynq/dma_memory.h"
#include "zynq/fpga_manager_sysfs.h"
#include "zynq/phys_mapper.h"
#include "zynq/ps_gpio.h"
#include "zynq/uio_interrupts.h"
#include "zynq/xrt_memory.h"

namespace pynq_remote::zynq {
namespace {

constexpr char kCarveoutWindow[] = "carveout";
// A handle carries its memory's index in the top byte, the memory's own handle below.
constexpr int kMemoryShift = 56;

// What MMIO may reach on this family: the PL's windows and the PS pages PYNQ uses.
std::vector<AddressWindow> BusWindows(PsFamily family) {
  std::vector<AddressWindow> windows = PlBusWindows(family);
  for (const AddressWindow& page : PsRegisterPages(family)) windows.push_back(page);
  return windows;
}

bool Overlaps(uint64_t a, uint64_t a_len, uint64_t b, uint64_t b_len) {
  return a < b + b_len && b < a + a_len;
}

std::string KernelArch() {
  struct utsname u;
  if (uname(&u) != 0) return "unknown";
  std::string machine = u.machine;
  if (machine.rfind("armv7", 0) == 0) return "armv7l";  // PYNQ's word for 32-bit ARM
  return machine;
}

class ZynqDevice final : public Device {
 public:
  ZynqDevice(std::unique_ptr<BoardFiles> files, BoardFacts facts,
             std::unique_ptr<SysfsFpgaManager> fpga, std::unique_ptr<PhysMapper> mapper,
             std::vector<AddressWindow> mmio_windows,
             std::vector<std::unique_ptr<DmaMemory>> memories, std::unique_ptr<UioInterrupts> irqs,
             std::unique_ptr<PsGpio> gpio, std::string memory_none_reason)
      : files_(std::move(files)),
        facts_(std::move(facts)),
        fpga_(std::move(fpga)),
        mapper_(std::move(mapper)),
        mmio_windows_(std::move(mmio_windows)),
        memories_(std::move(memories)),
        irqs_(std::move(irqs)),
        gpio_(std::move(gpio)),
        memory_none_reason_(std::move(memory_none_reason)),
        arch_(KernelArch()) {}

  DeviceInfo Info() const override {
    DeviceInfo info;
    info.board = facts_.board;
    info.part = facts_.part;
    info.arch = arch_;
    info.backend = "zynq";
    info.windows = mmio_windows_;
    if (irqs_->ServesAnyLine()) info.capabilities.push_back("irq");
    // A fake board tree: MMIO reaches plain memory, not logic. Tests that need the PL's
    // behaviour skip on this.
    if (mapper_->is_stand_in()) info.capabilities.push_back("fake_board");
    for (int i = 0; i < 4; ++i) info.pl_clocks_mhz.push_back(PlClockMhz(i));
    return info;
  }

  Status Program(const std::string& bitstream, const std::string& name, bool partial) override {
    return fpga_->Program(bitstream, name, partial);
  }
  FpgaState State() const override { return fpga_->State(); }

  Result<uint64_t> MmioRead(uint64_t addr, int width) override {
    Status inside = CheckMmio(addr, width, "read");
    if (!inside.ok()) return inside.error();
    return mapper_->Read(addr, width);
  }
  Status MmioWrite(uint64_t addr, int width, uint64_t value) override {
    Status inside = CheckMmio(addr, width, "write");
    if (!inside.ok()) return inside;
    return mapper_->Write(addr, width, value);
  }

  Result<Allocation> Alloc(uint64_t size, uint64_t align, bool cacheable) override {
    if (memories_.empty()) return MakeError(ErrorCode::kUnsupported, memory_none_reason_);
    if (size == 0) return MakeError(ErrorCode::kInvalidArgument, "cannot allocate 0 bytes");
    DeviceError last;
    for (size_t i = 0; i < memories_.size(); ++i) {
      Result<Allocation> a = memories_[i]->Alloc(size, align, cacheable);
      if (a.ok()) return Tag(i, a.value());
      last = a.error();
      if (last.code != ErrorCode::kNoMemory) return last;
    }
    return last;
  }
  Status Free(uint64_t handle) override {
    const uint64_t index = handle >> kMemoryShift;
    if (index == 0 || index > memories_.size()) {
      return MakeError(ErrorCode::kUnknownId, "no buffer with handle " + std::to_string(handle));
    }
    return memories_[index - 1]->Free(handle & ((1ull << kMemoryShift) - 1));
  }
  Result<Allocation> Restore(uint64_t phys, uint64_t size) override {
    DeviceError last = MakeError(ErrorCode::kUnsupported, memory_none_reason_);
    for (size_t i = 0; i < memories_.size(); ++i) {
      Result<Allocation> a = memories_[i]->Restore(phys, size);
      if (a.ok()) return Tag(i, a.value());
      last = a.error();
    }
    return last;
  }
  Status MemRead(uint64_t phys, void* dst, size_t len) override {
    return OnMemory(phys, len, [&](DmaMemory& m) { return m.Read(phys, dst, len); });
  }
  Status MemWrite(uint64_t phys, const void* src, size_t len) override {
    return OnMemory(phys, len, [&](DmaMemory& m) { return m.Write(phys, src, len); });
  }
  Status Flush(uint64_t phys, size_t len) override {
    return OnMemory(phys, len, [&](DmaMemory& m) { return m.Flush(phys, len); });
  }
  Status Invalidate(uint64_t phys, size_t len) override {
    return OnMemory(phys, len, [&](DmaMemory& m) { return m.Invalidate(phys, len); });
  }

  Result<bool> WaitIrq(int line, std::chrono::milliseconds timeout,
                       const StopToken& stop) override {
    return irqs_->Wait(line, timeout, stop);
  }

  void Shutdown() override { irqs_->Shutdown(); }

  std::vector<GpioChipInfo> GpioChips() const override { return gpio_->Chips(); }
  Status GpioSetDirection(int gpio, GpioDirection direction) override {
    return gpio_->SetDirection(gpio, direction);
  }
  Result<int> GpioRead(int gpio) override { return gpio_->Read(gpio); }
  Status GpioWrite(int gpio, int value) override { return gpio_->Write(gpio, value); }
  Status GpioRelease(int gpio) override { return gpio_->Release(gpio); }

  Status SetPlClock(int index, double mhz) override {
    Result<double> set = SetPlClockMhz(facts_.family, index, mhz, ReadReg(), WriteReg());
    if (!set.ok()) return set.error();
    return {};
  }

  Result<uint64_t> Advance(uint64_t, const StopToken&) override {
    return MakeError(ErrorCode::kUnsupported,
                     "Advance: time on a real board does not wait for requests (sim only)");
  }

 private:
  ReadReg32 ReadReg() const {
    return [this](uint64_t addr) -> Result<uint32_t> {
      Result<uint64_t> v = mapper_->Read(addr, 4);
      if (!v.ok()) return v.error();
      return static_cast<uint32_t>(v.value());
    };
  }
  WriteReg32 WriteReg() const {
    return [this](uint64_t addr, uint32_t value) { return mapper_->Write(addr, 4, value); };
  }

  // PL clock n from the PS clock registers (what PYNQ reads); the clock framework's rate in
  // debugfs when the registers cannot be read.
  double PlClockMhz(int index) const {
    Result<double> mhz = ReadPlClockMhz(facts_.family, index, ReadReg());
    if (mhz.ok()) return mhz.value();
    const char* names[2][4] = {{"pl0_ref", "pl1_ref", "pl2_ref", "pl3_ref"},
                               {"fclk0", "fclk1", "fclk2", "fclk3"}};
    const int family = facts_.family == PsFamily::kZynq7000 ? 1 : 0;
    Result<uint64_t> hz = files_->ReadNumber(std::string("/sys/kernel/debug/clk/") +
                                             names[family][index] + "/clk_rate");
    return hz.ok() ? static_cast<double>(hz.value()) / 1e6 : 0.0;
  }

  // The one shape check (device/mmio_access.h), then this board's windows: an address none
  // decodes is the bus's DECERR here, as the hardware would answer.
  Status CheckMmio(uint64_t addr, int width, const char* what) const {
    Status shape = CheckMmioShape(addr, width);
    if (!shape.ok()) return shape;
    if (FindWindow(mmio_windows_, addr, static_cast<uint64_t>(width)) != nullptr) return {};
    return MakeError(ErrorCode::kBusDecErr,
                     std::to_string(width) + "-byte " + what + " at " + Hex(addr) +
                         ": no bus window of this " + PsFamilyName(facts_.family) +
                         " board decodes it",
                     addr);
  }

  Allocation Tag(size_t index, Allocation a) const {
    a.handle |= static_cast<uint64_t>(index + 1) << kMemoryShift;
    return a;
  }

  template <typename Op>
  Status OnMemory(uint64_t phys, size_t len, Op op) {
    Status result = MakeError(
        ErrorCode::kOutOfWindow,
        std::to_string(len) + " bytes at " + Hex(phys) + " are not inside a buffer", phys);
    for (auto& memory : memories_) {
      result = op(*memory);
      if (result.ok() || result.error().code != ErrorCode::kOutOfWindow) return result;
    }
    return result;
  }

  const std::unique_ptr<BoardFiles> files_;
  const BoardFacts facts_;
  const std::unique_ptr<SysfsFpgaManager> fpga_;
  const std::unique_ptr<PhysMapper> mapper_;
  const std::vector<AddressWindow> mmio_windows_;
  const std::vector<std::unique_ptr<DmaMemory>> memories_;
  const std::unique_ptr<UioInterrupts> irqs_;
  const std::unique_ptr<PsGpio> gpio_;
  const std::string memory_none_reason_;
  const std::string arch_;
};

// The carve-out `spec` names, checked against the device tree's reserved memory.
Result<AddressWindow> ResolveCarveout(const MemorySpec& spec, const BoardFacts& facts,
                                      const std::vector<AddressWindow>& mmio_windows) {
  std::string regions;
  for (const ReservedRegion& r : facts.reserved) {
    regions += (regions.empty() ? "" : ", ") + r.name + " " + Hex(r.base) + "+" + Hex(r.size);
  }
  if (regions.empty()) regions = "none";
  AddressWindow window{kCarveoutWindow, spec.carveout_base, spec.carveout_size};
  if (!spec.carveout_node.empty()) {
    const ReservedRegion* found = nullptr;
    for (const ReservedRegion& r : facts.reserved) {
      if (r.name == spec.carveout_node) found = &r;
    }
    if (found == nullptr) {
      return MakeError(ErrorCode::kUnsupported,
                       "--memory carveout:" + spec.carveout_node +
                           ": the device tree has no reserved-memory node of that name "
                           "(reserved regions: " +
                           regions + ")");
    }
    window.base = found->base;
    window.size = found->size;
  }
  const std::string what = "carve-out " + Hex(window.base) + "+" + Hex(window.size);
  if (window.base % 4096 != 0 || window.size < 4096 || window.size % 4096 != 0) {
    return MakeError(ErrorCode::kUnsupported, what + " must be whole 4 KiB pages");
  }
  bool inside = false;
  for (const ReservedRegion& r : facts.reserved) {
    if (window.base >= r.base && window.size <= r.size &&
        window.base - r.base <= r.size - window.size) {
      inside = true;
    }
  }
  if (!inside) {
    return MakeError(ErrorCode::kUnsupported,
                     what +
                         " does not fit inside a reserved-memory region of the device tree "
                         "(reserved regions: " +
                         regions +
                         "): outside one, the kernel may hand that memory to others. Add a "
                         "/reserved-memory node with no-map for it, or choose a region above");
  }
  for (const AddressWindow& w : mmio_windows) {
    if (Overlaps(window.base, window.size, w.base, w.size)) {
      return MakeError(ErrorCode::kUnsupported, what + " overlaps the bus window " + w.name);
    }
  }
  return window;
}

}  // namespace

std::optional<MemorySpec> ParseMemorySpec(const std::string& text, std::string* error) {
  MemorySpec spec;
  const size_t colon = text.find(':');
  const std::string kind = text.substr(0, colon);
  const std::string rest = colon == std::string::npos ? "" : text.substr(colon + 1);
  auto number = [](const std::string& s, uint64_t* out) {
    if (s.empty() || s[0] == '-') return false;
    char* end = nullptr;
    errno = 0;
    *out = std::strtoull(s.c_str(), &end, 0);
    return errno == 0 && *end == '\0';
  };
  if (kind == "none" && colon == std::string::npos) {
    spec.kind = MemorySpec::Kind::kNone;
  } else if (kind == "xrt" && colon == std::string::npos) {
    spec.kind = MemorySpec::Kind::kXrt;
  } else if (kind == "udmabuf") {
    spec.kind = MemorySpec::Kind::kUdmabuf;
    size_t begin = 0;
    while (colon != std::string::npos && begin <= rest.size()) {
      size_t comma = rest.find(',', begin);
      if (comma == std::string::npos) comma = rest.size();
      std::string name = rest.substr(begin, comma - begin);
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        *error = "u-dma-buf device names are single names like udmabuf0, comma-separated";
        return std::nullopt;
      }
      spec.udmabuf_devices.push_back(name);
      begin = comma + 1;
    }
  } else if (kind == "carveout" && !rest.empty()) {
    spec.kind = MemorySpec::Kind::kCarveout;
    const size_t second = rest.find(':');
    if (second == std::string::npos) {
      if (rest.find('/') != std::string::npos) {
        *error = "carveout:NODE names a child of /reserved-memory, without slashes";
        return std::nullopt;
      }
      spec.carveout_node = rest;
    } else if (!number(rest.substr(0, second), &spec.carveout_base) ||
               !number(rest.substr(second + 1), &spec.carveout_size) || spec.carveout_size == 0 ||
               spec.carveout_base + spec.carveout_size < spec.carveout_base) {
      *error = "carveout:BASE:SIZE wants two numbers, e.g. carveout:0x70000000:0x10000000";
      return std::nullopt;
    }
  } else {
    *error = "want udmabuf[:NAME,...], carveout:BASE:SIZE, carveout:NODE, xrt or none";
    return std::nullopt;
  }
  return spec;
}

std::unique_ptr<Device> CreateZynqDevice(const ZynqOptions& options, std::string* error) {
  auto fail = [error](const DeviceError& e) -> std::unique_ptr<Device> {
    *error = e.message;
    return nullptr;
  };
  auto files = std::make_unique<BoardFiles>(options.root);
  if (!files->is_system_root() && !files->IsDirectory("/")) {
    *error = "--root " + options.root + " is not a directory";
    return nullptr;
  }
  Result<BoardFacts> facts = ReadBoardFacts(files->Path("/proc/device-tree"));
  if (!facts.ok()) return fail(facts.error());
  if (!options.board.empty()) facts.value().board = options.board;
  if (!options.part.empty()) facts.value().part = options.part;

  Result<std::unique_ptr<SysfsFpgaManager>> fpga = SysfsFpgaManager::Open(*files);
  if (!fpga.ok()) return fail(fpga.error());

  std::vector<AddressWindow> mmio_windows = BusWindows(facts.value().family);
  for (const AddressWindow& w : options.extra_windows) mmio_windows.push_back(w);
  std::vector<AddressWindow> mapped = mmio_windows;
  std::optional<AddressWindow> carveout;
  if (options.memory.kind == MemorySpec::Kind::kCarveout) {
    Result<AddressWindow> window = ResolveCarveout(options.memory, facts.value(), mmio_windows);
    if (!window.ok()) return fail(window.error());
    carveout = window.value();
    mapped.push_back(*carveout);
  }
  Result<std::unique_ptr<PhysMapper>> mapper =
      PhysMapper::Open(files->Path("/dev/mem"), std::move(mapped));
  if (!mapper.ok()) return fail(mapper.error());

  std::vector<std::unique_ptr<DmaMemory>> memories;
  std::string none_reason;
  switch (options.memory.kind) {
    case MemorySpec::Kind::kNone:
      none_reason = "this server has no buffer memory (started with --memory none)";
      break;
    case MemorySpec::Kind::kUdmabuf: {
      Result<std::vector<std::unique_ptr<DmaMemory>>> found =
          OpenUdmabufMemory(*files, options.memory.udmabuf_devices);
      if (!found.ok()) return fail(found.error());
      memories = std::move(found).value();
      break;
    }
    case MemorySpec::Kind::kCarveout: {
      Result<std::unique_ptr<DmaMemory>> memory =
          OpenCarveoutMemory(*mapper.value(), kCarveoutWindow, carveout->base, carveout->size);
      if (!memory.ok()) return fail(memory.error());
      memories.push_back(std::move(memory).value());
      break;
    }
    case MemorySpec::Kind::kXrt: {
      Result<std::unique_ptr<DmaMemory>> memory = OpenXrtMemory(0);
      if (!memory.ok()) return fail(memory.error());
      memories.push_back(std::move(memory).value());
      break;
    }
  }
  std::unique_ptr<UioInterrupts> irqs =
      UioInterrupts::Discover(*files, facts.value().family == PsFamily::kZynqMP);
  std::unique_ptr<PsGpio> gpio = PsGpio::Discover(*files);
  LogInfo(gpio->Describe());
  return std::make_unique<ZynqDevice>(std::move(files), std::move(facts).value(),
                                      std::move(fpga).value(), std::move(mapper).value(),
                                      std::move(mmio_windows), std::move(memories), std::move(irqs),
                                      std::move(gpio), none_reason);
}

}  // namespace pynq_remote::zynq
