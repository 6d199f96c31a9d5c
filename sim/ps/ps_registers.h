// The PS configuration registers PYNQ touches, as plain registers with post-boot values
// (sim/README.md, "The PS registers PYNQ touches"), per PS family:
// - Zynq UltraScale+: FPD/LPD_SLCR AXI_FS, the AFIFM RDCTRL/WRCTRL pairs, and the clock
//   generators CRF_APB / CRL_APB (UG1087). PL clock n follows PLn_REF_CTRL.
// - Zynq-7000: the SLCR page (UG585: ARM/DDR/IO PLL, ARM_CLK_CTRL, FPGAn_CLK_CTRL) and the
//   AXI HP interfaces' AFI0..3 pages (RDCHAN_CTRL/WRCHAN_CTRL width). PL clock n follows
//   FPGAn_CLK_CTRL.
#ifndef PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_
#define PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#include "device/device.h"
#include "device/ps_clocks.h"

namespace pynq_remote::sim {

// The clock registers' addresses and fields are device/ps_clocks.h's (kCrlApbBase, kIopllCtrl,
// ...), shared with the hardware backend. The blocks are as large as PYNQ maps them.
inline constexpr uint64_t kClockBlockSize = 0x100;
inline constexpr uint64_t kAcpuCtrl = 0x60;  // CRF_APB ACPU_CTRL (UG1087)
// Zynq-7000 (UG585): SLCR ARM_CLK_CTRL, and the AXI HP interfaces' AFI pages.
inline constexpr uint64_t kSlcrArmClkCtrl = 0x120;
inline constexpr uint64_t kAfi0Base = 0xF8008000;  // AFIn at kAfi0Base + 0x1000 * n, n 0..3
inline constexpr uint64_t kAfiRdChanCtrl = 0x00, kAfiWrChanCtrl = 0x14;

class PsRegisters {
 public:
  explicit PsRegisters(PsFamily family = PsFamily::kZynqMP);
  /// Back to the post-boot values of the family's register pages.
  void Reset();
  /// The pages and post-boot values of another PS family (a board profile picks it).
  void Reset(PsFamily family);
  PsFamily family() const;

  /// The windows this block answers, for Info().windows and the interconnect.
  const std::vector<AddressWindow>& windows() const { return windows_; }
  bool Decodes(uint64_t addr, uint64_t len) const;

  /// width 1, 2, 4 or 8 (naturally aligned, inside one window). false: not decoded.
  bool Read(uint64_t addr, int width, uint64_t* value) const;
  bool Write(uint64_t addr, int width, uint64_t value);

  /// PL clock n (0..3) in MHz as PLn_REF_CTRL and its source PLL set it (ReadPlClockMhz); 0 if
  /// CLKACT is off, and 0 where the registers name no known rate (a reserved SRCSEL).
  double PlClockMhz(int index) const;
  /// Writes PLn_REF_CTRL divisors for the rate nearest `mhz` from the PLL its SRCSEL selects
  /// (SetPlClockMhz). false: index or rate out of range, or no known source rate.
  bool SetPlClock(int index, double mhz);
  /// Bumped on every write that may change a PL clock.
  uint64_t clock_generation() const;

 private:
  struct Block {
    AddressWindow window;
    std::vector<uint32_t> words;
  };
  Block* Find(uint64_t addr, uint64_t len);
  const Block* Find(uint64_t addr, uint64_t len) const;
  // Register access for ps_clocks.h, with mu_ held.
  Result<uint32_t> ReadWordLocked(uint64_t addr) const;
  Status WriteWordLocked(uint64_t addr, uint32_t value);
  void AddBlock(const char* name, uint64_t base, uint64_t size);
  void BootZynqMpLocked();
  void BootZynq7000Locked();
  bool IsClockBlock(const Block& b) const;

  mutable std::mutex mu_;
  PsFamily family_;
  std::vector<Block> blocks_;
  std::vector<AddressWindow> windows_;
  uint64_t clock_generation_ = 0;
};

}  // namespace pynq_remote::sim

#endif  // PYNQ_REMOTE_SIM_PS_PS_REGISTERS_H_
