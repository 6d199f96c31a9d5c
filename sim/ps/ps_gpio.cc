#include "ps/ps_gpio.h"

namespace pynq_remote::sim {
namespace {

uint32_t Mask(int bits) { return bits >= 32 ? 0xFFFFFFFFu : (1u << bits) - 1; }

}  // namespace

PsGpio::PsGpio(PsFamily family) : family_(family) { Reset(family); }

void PsGpio::Reset(PsFamily family) {
  std::lock_guard<std::mutex> lock(mu_);
  family_ = family;
  // UG1085 / UG585: the bank widths, MIO banks first.
  const std::vector<std::pair<int, bool>> layout =
      family == PsFamily::kZynqMP
          ? std::vector<std::pair<int, bool>>{{26, false}, {26, false}, {26, false},
                                              {32, true},  {32, true},  {32, true}}
          : std::vector<std::pair<int, bool>>{{32, false}, {22, false}, {32, true}, {32, true}};
  banks_.clear();
  mio_pins_ = emio_pins_ = 0;
  for (const auto& [width, emio] : layout) {
    Bank b;
    b.width_mask = Mask(width);
    b.emio = emio;
    b.first_emio = emio_pins_;
    (emio ? emio_pins_ : mio_pins_) += width;
    // After gpio-zynq's probe: every interrupt disabled; INT_TYPE at its reset value (edge).
    b.int_mask = b.width_mask;
    b.int_type = b.width_mask;
    banks_.push_back(b);
  }
  emio_generation_.fetch_add(1, std::memory_order_acq_rel);
}

PsFamily PsGpio::family() const {
  std::lock_guard<std::mutex> lock(mu_);
  return family_;
}

AddressWindow PsGpio::window() const {
  std::lock_guard<std::mutex> lock(mu_);
  return AddressWindow{"GPIO", family_ == PsFamily::kZynqMP ? kZynqMpGpioBase : kZynq7000GpioBase,
                       kGpioBlockSize};
}

bool PsGpio::Decodes(uint64_t addr, uint64_t len) const { return window().Contains(addr, len); }

int PsGpio::banks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(banks_.size());
}

int PsGpio::bank_pins(int bank) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (bank < 0 || bank >= static_cast<int>(banks_.size())) return 0;
  int n = 0;
  for (uint32_t m = banks_[bank].width_mask; m != 0; m >>= 1) ++n;
  return n;
}

int PsGpio::mio_pins() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mio_pins_;
}

int PsGpio::emio_pins() const {
  std::lock_guard<std::mutex> lock(mu_);
  return emio_pins_;
}

bool PsGpio::BankOf(int pin, int* bank, int* bit) const {
  if (pin < 0) return false;
  const int n = banks();
  for (int b = 0; b < n; ++b) {
    const int width = bank_pins(b);
    if (pin < width) {
      *bank = b;
      *bit = pin;
      return true;
    }
    pin -= width;
  }
  return false;
}

uint32_t PsGpio::PinsLocked(const Bank& b) const {
  if (b.emio) return b.in & b.width_mask;
  // An MIO pad carries what the controller drives while OEN is set, else what arrives.
  const uint32_t driven = b.dirm & b.oen;
  return ((b.data & driven) | (b.in & ~driven)) & b.width_mask;
}

void PsGpio::UpdateLocked(Bank& b) {
  const uint32_t now = PinsLocked(b), before = b.pins;
  const uint32_t rose = now & ~before, fell = before & ~now;
  const uint32_t edge = b.int_type, level = ~b.int_type;
  const uint32_t high = b.int_polarity, low = ~b.int_polarity;
  uint32_t latch = edge & b.int_any & (rose | fell);
  latch |= edge & ~b.int_any & ((high & rose) | (low & fell));
  latch |= level & ((high & now) | (low & ~now));
  b.int_stat |= latch & b.width_mask;
  b.pins = now;
}

void PsGpio::TouchEmioLocked(const Bank& b) {
  if (b.emio) emio_generation_.fetch_add(1, std::memory_order_acq_rel);
}

bool PsGpio::Read(uint64_t addr, int width, uint64_t* value) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t base = family_ == PsFamily::kZynqMP ? kZynqMpGpioBase : kZynq7000GpioBase;
  if (width != 4 || addr < base || addr - base > kGpioBlockSize - 4 || addr % 4 != 0) {
    return false;
  }
  const uint64_t off = addr - base;
  *value = 0;
  for (int i = 0; i < static_cast<int>(banks_.size()); ++i) {
    Bank& b = banks_[i];
    uint32_t v;
    if (off == GpioMaskDataLsw(i)) {
      v = b.data & 0xFFFF;  // the mask half reads 0
    } else if (off == GpioMaskDataMsw(i)) {
      v = b.data >> 16;
    } else if (off == GpioData(i)) {
      v = b.data;
    } else if (off == GpioDataRo(i)) {
      UpdateLocked(b);
      v = b.pins;
    } else if (off == GpioDirm(i)) {
      v = b.dirm;
    } else if (off == GpioOen(i)) {
      v = b.oen;
    } else if (off == GpioIntMask(i)) {
      v = b.int_mask;
    } else if (off == GpioIntStat(i)) {
      v = b.int_stat;
    } else if (off == GpioIntType(i)) {
      v = b.int_type;
    } else if (off == GpioIntPolarity(i)) {
      v = b.int_polarity;
    } else if (off == GpioIntAny(i)) {
      v = b.int_any;
    } else {
      continue;  // INT_EN / INT_DIS are write-only: they read 0
    }
    *value = v & b.width_mask;
    return true;
  }
  return true;
}

bool PsGpio::Write(uint64_t addr, int width, uint64_t value) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t base = family_ == PsFamily::kZynqMP ? kZynqMpGpioBase : kZynq7000GpioBase;
  if (width != 4 || addr < base || addr - base > kGpioBlockSize - 4 || addr % 4 != 0) {
    return false;
  }
  const uint64_t off = addr - base;
  const uint32_t v = static_cast<uint32_t>(value);
  for (int i = 0; i < static_cast<int>(banks_.size()); ++i) {
    Bank& b = banks_[i];
    const uint32_t m = b.width_mask;
    if (off == GpioMaskDataLsw(i) || off == GpioMaskDataMsw(i)) {
      // A 0 in the mask half lets the data bit through (gpio-zynq writes ~(1 << bit) << 16).
      const int shift = off == GpioMaskDataMsw(i) ? 16 : 0;
      const uint32_t change = (~(v >> 16) & 0xFFFFu) << shift;
      b.data = ((b.data & ~change) | (((v & 0xFFFFu) << shift) & change)) & m;
      TouchEmioLocked(b);
    } else if (off == GpioData(i)) {
      b.data = v & m;
      TouchEmioLocked(b);
    } else if (off == GpioDirm(i)) {
      b.dirm = v & m;
      TouchEmioLocked(b);
    } else if (off == GpioOen(i)) {
      b.oen = v & m;
      TouchEmioLocked(b);
    } else if (off == GpioIntEn(i)) {
      b.int_mask &= ~v;
    } else if (off == GpioIntDis(i)) {
      b.int_mask |= v & m;
    } else if (off == GpioIntStat(i)) {
      b.int_stat &= ~v;
    } else if (off == GpioIntType(i)) {
      b.int_type = v & m;
    } else if (off == GpioIntPolarity(i)) {
      b.int_polarity = v & m;
    } else if (off == GpioIntAny(i)) {
      b.int_any = v & m;
    } else {
      continue;
    }
    // The pins may have moved (an MIO output), and a level still active latches again.
    UpdateLocked(b);
    return true;
  }
  return true;
}

void PsGpio::EmioOutputs(EmioBits* o, EmioBits* t) const {
  std::lock_guard<std::mutex> lock(mu_);
  *o = EmioBits{};
  *t = EmioBits{};
  for (const Bank& b : banks_) {
    if (!b.emio) continue;
    const int word = b.first_emio / 32;  // EMIO banks are 32 pins wide, word aligned
    const uint32_t driven = b.dirm & b.oen;
    (*o)[word] = b.data & driven & b.width_mask;
    (*t)[word] = ~driven & b.width_mask;
  }
}

void PsGpio::SetEmioInputs(const EmioBits& in) {
  std::lock_guard<std::mutex> lock(mu_);
  for (Bank& b : banks_) {
    if (!b.emio) continue;
    b.in = in[b.first_emio / 32] & b.width_mask;
    UpdateLocked(b);
  }
}

}  // namespace pynq_remote::sim
