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

}  // namespace

PsRegisters::PsRegisters() { Reset(); }

void PsRegisters::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  blocks_.clear();
  windows_.clear();
  ++clock_generation_;
  auto add = [this](const char* name, uint64_t base, uint64_t size) {
    blocks_.push_back(Block{AddressWindow{name, base, size}, std::vector<uint32_t>(size / 4, 0)});
  };
  add("CRF_APB", kCrfApbBase, kClockBlockSize);
  add("CRL_APB", kCrlApbBase, kClockBlockSize);
  add("FPD_SLCR", 0xFD615000, 0x1000);
  add("LPD_SLCR", 0xFF419000, 0x1000);
  const char* afifm[] = {"AFIFM_HP0", "AFIFM_HP1", "AFIFM_HP2",
                         "AFIFM_HP3", "AFIFM_HP4", "AFIFM_HP5"};
  for (int i = 0; i < 6; ++i) add(afifm[i], 0xFD360000 + 0x10000ull * i, 0x1000);
  add("AFIFM_LPD", 0xFF9B0000, 0x1000);
  for (const Block& b : blocks_) windows_.push_back(b.window);

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
  if (b->window.base == kCrlApbBase || b->window.base == kCrfApbBase) ++clock_generation_;
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
  Result<double> mhz = ReadPlClockMhz(PsFamily::kZynqMP, index,
                                      [this](uint64_t addr) { return ReadWordLocked(addr); });
  return mhz.ok() ? mhz.value() : 0.0;
}

bool PsRegisters::SetPlClock(int index, double mhz) {
  std::lock_guard<std::mutex> lock(mu_);
  Result<double> set = SetPlClockMhz(
      PsFamily::kZynqMP, index, mhz, [this](uint64_t addr) { return ReadWordLocked(addr); },
      [this](uint64_t addr, uint32_t value) { return WriteWordLocked(addr, value); });
  if (!set.ok()) return false;
  ++clock_generation_;
  return true;
}

}  // namespace pynq_remote::sim
