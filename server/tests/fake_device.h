// A map-backed Device for service tests: two MMIO windows of plain registers, a bump
// allocator over sparse memory, scripted bus errors, bitstreams that program only when
// they start with "GOOD" (anything else is kBadBitstream), and a small PS GPIO chip
// (gpiochip500 "zynqmp_gpio": 4 MIO pins then 4 EMIO) plus a second chip (gpiochip600
// "pl_gpio", 2 pins) whose inputs read what set_gpio_input put there.
#ifndef PYNQ_REMOTE_SERVER_TESTS_FAKE_DEVICE_H_
#define PYNQ_REMOTE_SERVER_TESTS_FAKE_DEVICE_H_

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "device/device.h"

namespace pynq_remote::testing {

class FakeDevice : public Device {
 public:
  static constexpr uint64_t kPlBase = 0xA0000000;
  static constexpr uint64_t kPlSize = 0x10000;
  static constexpr uint64_t kPsBase = 0xFD1A0000;
  static constexpr uint64_t kPsSize = 0x100;
  static constexpr uint64_t kMemBase = 0x10000000;
  static constexpr uint64_t kMemSize = 256ull << 20;

  DeviceInfo Info() const override {
    DeviceInfo info;
    info.board = "ZCU104";
    info.part = "xczu7ev-ffvc1156-2-e";
    info.arch = "aarch64";
    info.backend = "fake";
    info.capabilities = {"sim_time"};
    info.windows = {{"M_AXI_HPM0_FPD", kPlBase, kPlSize}, {"CRF_APB", kPsBase, kPsSize}};
    info.pl_clocks_mhz = {100.0};
    std::lock_guard<std::mutex> lock(mu_);
    info.pl_cycles = cycles_;
    info.sim_time_ps = cycles_ * 10000;
    return info;
  }

  Status Program(const std::string& bitstream, const std::string& name, bool partial) override {
    std::lock_guard<std::mutex> lock(mu_);
    programs_.push_back({name, partial, bitstream.size()});
    if (bitstream.compare(0, 4, "GOOD") != 0) {
      state_ = FpgaState{"unknown", "", name + ": not a bitstream of any registered design"};
      return MakeError(ErrorCode::kBadBitstream, state_.error);
    }
    state_ = FpgaState{"operating", name, ""};
    return {};
  }
  FpgaState State() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }

  Result<uint64_t> MmioRead(uint64_t addr, int width) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (slverr_.count(addr)) return BusError(addr, width, "read");
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) value |= uint64_t{bytes_[addr + i]} << (8 * i);
    return value;
  }
  Status MmioWrite(uint64_t addr, int width, uint64_t value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (slverr_.count(addr)) return BusError(addr, width, "write");
    writes_.push_back({addr, width, value});
    for (int i = 0; i < width; ++i) bytes_[addr + i] = static_cast<uint8_t>(value >> (8 * i));
    return {};
  }

  Result<Allocation> Alloc(uint64_t size, uint64_t align, bool) override {
    std::lock_guard<std::mutex> lock(mu_);
    uint64_t phys = (next_ + align - 1) & ~(align - 1);
    if (size > kMemSize || phys + size > kMemBase + kMemSize) {
      return MakeError(ErrorCode::kNoMemory, "cannot allocate " + std::to_string(size) + " bytes");
    }
    next_ = phys + size;
    live_.insert(phys);
    return Allocation{phys, phys, size};
  }
  Status Free(uint64_t handle) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!live_.erase(handle)) return MakeError(ErrorCode::kUnknownId, "no allocation", handle);
    return {};
  }
  Status MemRead(uint64_t phys, void* dst, size_t len) override {
    std::lock_guard<std::mutex> lock(mu_);
    auto* out = static_cast<uint8_t*>(dst);
    for (size_t done = 0; done < len;) {
      uint64_t at = phys + done;
      size_t n = std::min<size_t>(len - done, kPage - at % kPage);
      auto it = mem_.find(at / kPage);
      if (it == mem_.end()) {
        std::memset(out + done, 0, n);
      } else {
        std::memcpy(out + done, it->second.data() + at % kPage, n);
      }
      done += n;
    }
    return {};
  }
  Status MemWrite(uint64_t phys, const void* src, size_t len) override {
    std::lock_guard<std::mutex> lock(mu_);
    const auto* in = static_cast<const uint8_t*>(src);
    for (size_t done = 0; done < len;) {
      uint64_t at = phys + done;
      size_t n = std::min<size_t>(len - done, kPage - at % kPage);
      std::vector<uint8_t>& page = mem_[at / kPage];
      page.resize(kPage);
      std::memcpy(page.data() + at % kPage, in + done, n);
      done += n;
    }
    return {};
  }
  Status Flush(uint64_t, size_t) override { return {}; }
  Status Invalidate(uint64_t, size_t) override { return {}; }
  Result<bool> WaitIrq(int, std::chrono::milliseconds, const StopToken&) override { return false; }
  std::vector<GpioChipInfo> GpioChips() const override {
    return {{"gpiochip500", "zynqmp_gpio", kGpioBase, 8, 4}, {"gpiochip600", "pl_gpio", 600, 2, 0}};
  }
  Status GpioSetDirection(int gpio, GpioDirection direction) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!GpioExists(gpio)) return GpioOutside(gpio);
    gpio_dir_[gpio] = direction;
    if (direction == GpioDirection::kOut) gpio_out_[gpio] = 0;
    gpio_calls_.push_back("dir " + std::to_string(gpio) +
                          (direction == GpioDirection::kOut ? " out" : " in"));
    return {};
  }
  Result<int> GpioRead(int gpio) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!GpioExists(gpio)) return GpioOutside(gpio);
    auto dir = gpio_dir_.find(gpio);
    if (dir != gpio_dir_.end() && dir->second == GpioDirection::kOut) return gpio_out_[gpio];
    return gpio_in_[gpio];
  }
  Status GpioWrite(int gpio, int value) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!GpioExists(gpio)) return GpioOutside(gpio);
    if (value != 0 && value != 1) {
      return MakeError(ErrorCode::kInvalidArgument, "value " + std::to_string(value));
    }
    auto dir = gpio_dir_.find(gpio);
    if (dir == gpio_dir_.end() || dir->second != GpioDirection::kOut) {
      return MakeError(ErrorCode::kPermissionDenied, "gpio " + std::to_string(gpio) + " is input");
    }
    gpio_out_[gpio] = value;
    gpio_calls_.push_back("write " + std::to_string(gpio) + " " + std::to_string(value));
    return {};
  }
  Status GpioRelease(int gpio) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (!GpioExists(gpio)) return GpioOutside(gpio);
    gpio_dir_.erase(gpio);
    gpio_calls_.push_back("release " + std::to_string(gpio));
    return {};
  }
  Status SetPlClock(int index, double mhz) override {
    std::lock_guard<std::mutex> lock(mu_);
    clocks_[index] = mhz;
    return {};
  }
  // At once by default. With set_stepped_advance(true), in steps of 1000 cycles asking
  // `stop` between them as a simulator does, so a huge count runs until the token (or
  // Shutdown) stops it.
  Result<uint64_t> Advance(uint64_t cycles, const StopToken& stop) override {
    struct Running {
      std::atomic<int>& count;
      explicit Running(std::atomic<int>& c) : count(c) { ++count; }
      ~Running() { --count; }
    } running(advancing_);
    for (uint64_t left = cycles; left > 0;) {
      if (stop.StopRequested() || shut_down_.load()) {
        return MakeError(ErrorCode::kCancelled, "Advance stopped");
      }
      const uint64_t step = stepped_advance_ ? std::min<uint64_t>(left, 1000) : left;
      std::lock_guard<std::mutex> lock(mu_);
      cycles_ += step;
      left -= step;
    }
    std::lock_guard<std::mutex> lock(mu_);
    return cycles_;
  }
  void set_stepped_advance(bool stepped) { stepped_advance_ = stepped; }
  void Shutdown() override { shut_down_ = true; }
  /// Advance calls in progress (a test waits for a stopped one to return).
  int advancing() const { return advancing_.load(); }

  // Scripting and inspection.
  struct Write {
    uint64_t addr;
    int width;
    uint64_t value;
  };
  struct ProgramCall {
    std::string name;
    bool partial;
    size_t bytes;
  };
  void FailAt(uint64_t addr) {
    std::lock_guard<std::mutex> lock(mu_);
    slverr_.insert(addr);
  }
  std::vector<Write> writes() const {
    std::lock_guard<std::mutex> lock(mu_);
    return writes_;
  }
  std::vector<ProgramCall> programs() const {
    std::lock_guard<std::mutex> lock(mu_);
    return programs_;
  }
  std::map<int, double> clocks() const {
    std::lock_guard<std::mutex> lock(mu_);
    return clocks_;
  }
  static constexpr int kGpioBase = 500;
  /// What an input pin reads from now on.
  void set_gpio_input(int gpio, int value) {
    std::lock_guard<std::mutex> lock(mu_);
    gpio_in_[gpio] = value;
  }
  /// The value an output drives, -1 when the pin is not claimed as output.
  int gpio_driven(int gpio) const {
    std::lock_guard<std::mutex> lock(mu_);
    auto dir = gpio_dir_.find(gpio);
    if (dir == gpio_dir_.end() || dir->second != GpioDirection::kOut) return -1;
    return gpio_out_.at(gpio);
  }
  /// Pins claimed (set a direction) and not released since.
  size_t gpio_claimed() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gpio_dir_.size();
  }
  /// Every direction, write and release, in order: "dir 504 out", "write 504 1", "release 504".
  std::vector<std::string> gpio_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return gpio_calls_;
  }
  size_t live_allocations() const {
    std::lock_guard<std::mutex> lock(mu_);
    return live_.size();
  }

 private:
  static DeviceError BusError(uint64_t addr, int width, const char* op) {
    return MakeError(ErrorCode::kBusSlvErr,
                     std::to_string(width) + "-byte " + op + " at " + Hex(addr) + ": AXI SLVERR",
                     addr);
  }

  bool GpioExists(int gpio) const {
    return (gpio >= kGpioBase && gpio < kGpioBase + 8) || gpio == 600 || gpio == 601;
  }
  static DeviceError GpioOutside(int gpio) {
    return MakeError(ErrorCode::kInvalidArgument, "gpio " + std::to_string(gpio) + " is no pin");
  }

  mutable std::mutex mu_;
  std::map<uint64_t, uint8_t> bytes_;  // MMIO space
  std::map<int, GpioDirection> gpio_dir_;
  std::map<int, int> gpio_out_;
  std::map<int, int> gpio_in_;
  std::vector<std::string> gpio_calls_;
  static constexpr uint64_t kPage = 4096;
  std::map<uint64_t, std::vector<uint8_t>> mem_;  // DDR, by page
  std::set<uint64_t> slverr_;
  std::set<uint64_t> live_;
  std::vector<Write> writes_;
  std::vector<ProgramCall> programs_;
  std::map<int, double> clocks_;
  uint64_t next_ = kMemBase;
  uint64_t cycles_ = 0;
  std::atomic<bool> shut_down_{false};
  std::atomic<int> advancing_{0};
  std::atomic<bool> stepped_advance_{false};
  FpgaState state_;
};

}  // namespace pynq_remote::testing

#endif  // PYNQ_REMOTE_SERVER_TESTS_FAKE_DEVICE_H_
