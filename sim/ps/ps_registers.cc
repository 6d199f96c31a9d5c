#include "ps/ps_registers.h"

#include <cstring>

namespace pynq_remote::sim {
namespace {

constexpr uint32_t kClkAct = 1u << 24;

// A *_PLL_CTRL value: FBDIV bits 14:8, DIV2 bit 16, PRE_SRC 22:20 = 0 (PS_REF_CLK).
constexpr uint32_t Pll(uint32_t fbdiv) { return (1u << 16) | (fbdiv << 8); }
// A clock-control value: CLKACT 24, DIVISOR1 21:16, DIVISOR0 13:8, SRCSEL 2:0.
constexpr uint32_t ClockCtrl(uint32_t div0, uint32_t div1, uint32_t srcsel) {
  return kClkAct | (div1 << 16) | (div0 << 8) | srcsel;
}

// Zynq-7000 (UG585). *_PLL_CTRL: PLL_FDIV 18:12, PLL_BYPASS_QUAL bit 3 (its reset value; the
// PLL runs: PLL_BYPASS_FORCE, bit 4, is clear).
constexpr uint32_t Zynq7000Pll(uint32_t fdiv) { return (fdiv << 12) | (1u << 3); }
// FPGAn_CLK_CTRL: DIVISOR1 25:20, DIVISOR0 13:8, SRCSEL 5:4 (0/1 IO PLL).
constexpr uint32_t Zynq7000ClockCtrl(uint32_t div0, uint32_t div1, uint32_t srcsel) {
  return (div1 << 20) | (div0 << 8) | (srcsel << 4);
}
// ARM_CLK_CTRL: CPU_6OR4X..CPU_PERI_CLKACT, bits 28:24.
constexpr uint32_t kZynq7000CpuClkAct = 0x1Fu << 24;

}  // namespace

PsRegisters::PsRegisters(PsFamily family) : family_(family) { Reset(); }

void PsRegisters::Reset() { Reset(family()); }

PsFamily PsRegisters::family() const {
  std::lock_guard<std::mutex> lock(mu_);
  return family_;
}

void PsRegisters::AddBlock(const char* name, uint64_t base, uint64_t size) {
  blocks_.push_back(Block{AddressWindow{name, base, size}, std::vector<uint32_t>(size / 4, 0)});
}

void PsRegisters::Reset(PsFamily family) {
  std::lock_guard<std::mutex> lock(mu_);
  family_ = family;
  blocks_.clear();
  windows_.clear();
  ++clock_generation_;
  if (family == PsFamily::kZynqMP) {
    BootZynqMpLocked();
  } else {
    BootZynq7000Locked();
  }
  for (const Block& b : blocks_) windows_.push_back(b.window);
}

void PsRegisters::BootZynqMpLocked() {
  AddBlock("CRF_APB", kCrfApbBase, kClockBlockSize);
  AddBlock("CRL_APB", kCrlApbBase, kClockBlockSize);
  AddBlock("FPD_SLCR", 0xFD615000, 0x1000);
  AddBlock("LPD_SLCR", 0xFF419000, 0x1000);
  const char* afifm[] = {"AFIFM_HP0", "AFIFM_HP1", "AFIFM_HP2",
                         "AFIFM_HP3", "AFIFM_HP4", "AFIFM_HP5"};
  for (int i = 0; i < 6; ++i) AddBlock(afifm[i], 0xFD360000 + 0x10000ull * i, 0x1000);
  AddBlock("AFIFM_LPD", 0xFF9B0000, 0x1000);

  // Post-boot values of a ZCU104 (FSBL): APLL 1200, DPLL 1066, VPLL 1500, IOPLL 1500,
  // RPLL 1200 MHz; every PL clock IOPLL / 15 / 1 = 100 MHz.
  Block& crf = blocks_[0];
  crf.words[kApllCtrl / 4] = Pll(72);
  crf.words[kDpllCtrl / 4] = Pll(64);
  crf.words[kVpllCtrl / 4] = Pll(90);
  crf.words[kAcpuCtrl / 4] = (1u << 25) | kClkAct | (1u << 8);  // APLL / 1
  Block& crl = blocks_[1];
  crl.words[kIopllCtrl / 4] = Pll(90);
  crl.words[kRpllCtrl / 4] = Pll(72);
  for (int n = 0; n < 4; ++n) crl.words[(kPl0RefCtrl + 4 * n) / 4] = ClockCtrl(15, 1, 0);
  // AXI_FS: FPD HPM0/HPM1 (bits 9:8, 11:10) and LPD HPM0 (9:8) at 128 bits (2).
  blocks_[2].words[0] = 0xA00;
  blocks_[3].words[0] = 0x200;
  // AFIFM RDCTRL (0x00) / WRCTRL (0x14): bus width 128 bits (0 = 128 in FABRIC_WIDTH).
  for (size_t i = 4; i < blocks_.size(); ++i) {
    blocks_[i].words[0] = 0;
    blocks_[i].words[0x14 / 4] = 0;
  }
}

void PsRegisters::BootZynq7000Locked() {
  // The whole SLCR page (PYNQ maps its first 0x200 bytes for the clocks).
  AddBlock("SLCR", kSlcrBase, 0x1000);
  const char* afi[] = {"AFI0", "AFI1", "AFI2", "AFI3"};
  for (int i = 0; i < 4; ++i) AddBlock(afi[i], kAfi0Base + 0x1000ull * i, 0x1000);

  // Post-boot values of a PYNQ-Z2 (FSBL, UG585 fields): PS_CLK 50 MHz (what PYNQ assumes on
  // every Zynq-7000; the ZC702's real 33.3 MHz and FDIV 30 give the same rates), ARM PLL
  // 1300, DDR PLL 1050, IO PLL 1000 MHz; CPU ARM PLL / 2 = 650 MHz; every PL clock
  // IO PLL / 10 / 1 = 100 MHz.
  Block& slcr = blocks_[0];
  slcr.words[kSlcrArmPllCtrl / 4] = Zynq7000Pll(26);
  slcr.words[kSlcrDdrPllCtrl / 4] = Zynq7000Pll(21);
  slcr.words[kSlcrIoPllCtrl / 4] = Zynq7000Pll(20);
  slcr.words[kSlcrArmClkCtrl / 4] = kZynq7000CpuClkAct | (2u << 8);  // ARM PLL (SRCSEL 0) / 2
  for (int n = 0; n < 4; ++n) {
    slcr.words[(kSlcrFpga0ClkCtrl + 0x10 * n) / 4] = Zynq7000ClockCtrl(10, 1, 0);
  }
  // AFI_RDCHAN_CTRL / AFI_WRCHAN_CTRL: 32BitEn (bit 0) clear, i.e. 64-bit HP ports (UG585
  // reset values; WRCHAN_CTRL's WrDataThreshold 11:8 at its reset value 0xF).
  for (size_t i = 1; i < blocks_.size(); ++i) {
    blocks_[i].words[kAfiRdChanCtrl / 4] = 0;
    blocks_[i].words[kAfiWrChanCtrl / 4] = 0xF00;
  }
}

bool PsRegisters::IsClockBlock(const Block& b) const {
  const uint64_t base = b.window.base;
  return base == kCrlApbBase || base == kCrfApbBase || base == kSlcrBase;
}

PsRegisters::Block* PsRegisters::Find(uint64_t addr, uint64_t len) {
  for (Block& b : blocks_) {
    if (b.window.Contains(addr, len)) return &b;
  }
  return nullptr;
}

const PsRegisters::Block* PsRegisters::Find(uint64_t addr, uint64_t len) const {
  return const_cast<PsRegisters*>(this)->Find(addr, len);
}

bool PsRegisters::Decodes(uint64_t addr, uint64_t len) const { return Find(addr, len) != nullptr; }

bool PsRegisters::Read(uint64_t addr, int width, uint64_t* value) const {
  std::lock_guard<std::mutex> lock(mu_);
  const Block* b = Find(addr, width);
  if (b == nullptr) return false;
  uint64_t v = 0;
  std::memcpy(&v, reinterpret_cast<const uint8_t*>(b->words.data()) + (addr - b->window.base),
              width);
  *value = v;
  return true;
}

bool PsRegisters::Write(uint64_t addr, int width, uint64_t value) {
  std::lock_guard<std::mutex> lock(mu_);
  Block* b = Find(addr, width);
  if (b == nullptr) return false;
  std::memcpy(reinterpret_cast<uint8_t*>(b->words.data()) + (addr - b->window.base), &value, width);
  if (IsClockBlock(*b)) ++clock_generation_;
  return true;
}

uint64_t PsRegisters::clock_generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return clock_generation_;
}

Result<uint32_t> PsRegisters::ReadWordLocked(uint64_t addr) const {
  const Block* b = Find(addr, 4);
  if (b == nullptr) {
    return MakeError(ErrorCode::kBusDecErr, "4-byte read at " + Hex(addr) + ": no PS register",
                     addr);
  }
  return b->words[(addr - b->window.base) / 4];
}

Status PsRegisters::WriteWordLocked(uint64_t addr, uint32_t value) {
  Block* b = Find(addr, 4);
  if (b == nullptr) {
    return MakeError(ErrorCode::kBusDecErr, "4-byte write at " + Hex(addr) + ": no PS register",
                     addr);
  }
  b->words[(addr - b->window.base) / 4] = value;
  return {};
}

double PsRegisters::PlClockMhz(int index) const {
  std::lock_guard<std::mutex> lock(mu_);
  Result<double> mhz =
      ReadPlClockMhz(family_, index, [this](uint64_t addr) { return ReadWordLocked(addr); });
  return mhz.ok() ? mhz.value() : 0.0;
}

bool PsRegisters::SetPlClock(int index, double mhz) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<double> set = SetPlClockMhz(
      family_, index, mhz, [this](uint64_t addr) { return ReadWordLocked(addr); },
      [this](uint64_t addr, uint32_t value) { return WriteWordLocked(addr, value); });
  if (!set.ok()) return false;
  ++clock_generation_;
  return true;
}

}  // namespace pynq_remote::sim
