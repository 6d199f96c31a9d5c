// The PS configuration registers PYNQ touches, as plain registers with post-boot values
// (WIRE-COMPAT.md section 2 and 7): FPD/LPD_SLCR AXI_FS, the AFIFM RDCTRL/WRCTRL pairs, and
// the clock generators CRF_APB / CRL_APB (UG1087). PL clock n follows PLn_REF_CTRL.
#ifndef PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_
#define PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "device/device.h"

namespace pynq_remote::sim {

// UG1087 register offsets and the field layout PYNQ's ZynqMP clock code uses.
inline constexpr uint64_t kCrfApbBase = 0xFD1A0000;
inline constexpr uint64_t kCrlApbBase = 0xFF5E0000;
inline constexpr uint64_t kClockBlockSize = 0x100;
inline constexpr uint64_t kApllCtrl = 0x20, kDpllCtrl = 0x2C, kVpllCtrl = 0x38, kAcpuCtrl = 0x60;
inline constexpr uint64_t kIopllCtrl = 0x20, kRpllCtrl = 0x30, kPl0RefCtrl = 0xC0;
inline constexpr double kPsRefClkMhz = 33.333;

class PsRegisters {
 public:
  PsRegisters();
  /// Back to the post-boot values.
  void Reset();

  /// The windows this block answers, for Info().windows and the interconnect.
  const std::vector<AddressWindow>& windows() const { return windows_; }
  bool Decodes(uint64_t addr, uint64_t len) const;

  /// width 1, 2, 4 or 8 (naturally aligned, inside one window). false: not decoded.
  bool Read(uint64_t addr, int width, uint64_t* value) const;
  bool Write(uint64_t addr, int width, uint64_t value);

  /// PL clock n (0..3) in MHz as PLn_REF_CTRL and its source PLL set it; 0 if CLKACT is off.
  double PlClockMhz(int index) const;
  /// Writes PLn_REF_CTRL divisors for the rate nearest `mhz` from IOPLL. false: out of range.
  bool SetPlClock(int index, double mhz);
  /// Bumped on every write that may change a PL clock.
  uint64_t clock_generation() const;

  /// PLL output (MHz) of a *_PLL_CTRL value: 33.333 * FBDIV / (DIV2 ? 2 : 1).
  static double PllMhz(uint32_t pll_ctrl);

 private:
  struct Block {
    AddressWindow window;
    std::vector<uint32_t> words;
  };
  Block* Find(uint64_t addr, uint64_t len);
  const Block* Find(uint64_t addr, uint64_t len) const;
  uint32_t Word(uint64_t base, uint64_t offset) const;
  double PlClockMhzLocked(int index) const;

  mutable std::mutex mu_;
  std::vector<Block> blocks_;
  std::vector<AddressWindow> windows_;
  uint64_t clock_generation_ = 0;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_
